package simulate_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/simulate"
)

// adversarialRaws are values of a caller's groups variable built to
// confuse a matcher: prefixes, quoted and bracketed variants, lists,
// escapes, malformed JSON, spaces and commas.
var adversarialRaws = []string{
	``, `support`, `support,warehouse`, ` support `, `support ,x`, `supportx`, `suppor`, `Support`,
	`["support"]`, `["\"support\""]`, `"support"`, `"\"support\""`, `[support]`, `["support",]`,
	`["sup\u0070ort"]`, `["support","payments-eng"]`, `["a,support,b"]`, `["support "]`, `[" support"]`,
	`[1, "support", null]`, `{"support": true}`, `["Orders.Write"]`, `Orders.Write`, `OrdersXWrite`,
	`["crm-prod","crm-staging"]`, `crm-prod, crm-staging`, `"crm-prod, crm-staging"`, `team-a,finance-analysts`,
	`["finance-analysts"]x`, `  ["finance-analysts"]  `, `"finance-analysts`, `[]`, `""`, `,`, "support\twarehouse",
}

// TestScriptAgreesUnderNode runs each compiled membership script of the
// example's proxies, as the bundle holds it, under Node with a stand-in
// for Apigee's context, on adversarial values, and requires the roles it
// marks to be the roles the simulator finds members.
func TestScriptAgreesUnderNode(t *testing.T) {
	bin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not found: the membership script cannot be checked")
		}
		t.Skip("node not found")
	}
	cfg := loadExample(t)
	for _, env := range []string{"prod", "staging"} {
		for _, p := range cfg.ProductsIn(env) {
			files, _, err := apigee.Bundle(cfg, env, p.Name)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(files, func(f artifact.File) bool { return strings.HasSuffix(f.Path, ".js") })
			if i < 0 {
				t.Fatalf("%s %s: no script in the bundle", env, p.Name)
			}
			proxy, err := simulate.Load(p.Name, files)
			if err != nil {
				t.Fatal(err)
			}
			got := runUnderNode(t, bin, string(files[i].Data))
			for j, raw := range adversarialRaws {
				want := proxy.MembersFor(raw, true)
				if !slices.Equal(got[j], want) && len(got[j])+len(want) > 0 {
					t.Errorf("%s %s: groups %q: script marks %v, simulator %v", env, p.Name, raw, got[j], want)
				}
			}
			if want := proxy.MembersFor("", false); len(want) != 0 {
				t.Errorf("%s %s: an unset variable makes members %v", env, p.Name, want)
			}
		}
	}
}

// runUnderNode runs script once per adversarial value, the variable it
// reads (its source) holding the value, and returns the roles marked.
func runUnderNode(t *testing.T, bin, script string) [][]string {
	t.Helper()
	dir := t.TempDir()
	harness := `
const fs = require("fs");
const script = fs.readFileSync(process.argv[2], "utf8");
const raws = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const results = [];
for (const raw of raws) {
  const marked = [];
  const source = /^var source = (.*);$/m.exec(script)[1];
  const context = {
    getVariable: (name) => (name === JSON.parse(source) ? raw : null),
    setVariable: (name, value) => { if (value === "true") marked.push(name.replace(/^lingate\.member\./, "")); },
  };
  new Function("context", script)(context);
  results.push(marked.sort());
}
process.stdout.write(JSON.stringify(results));
`
	raws, _ := json.Marshal(adversarialRaws)
	for name, data := range map[string]string{"h.js": harness, "script.js": script, "raws.json": string(raws)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(bin, filepath.Join(dir, "h.js"), filepath.Join(dir, "script.js"), filepath.Join(dir, "raws.json")).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got [][]string
	if json.Unmarshal(out, &got) != nil || len(got) != len(adversarialRaws) {
		t.Fatalf("node printed %.200s, not one list of roles per value", out)
	}
	return got
}
