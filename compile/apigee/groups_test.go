package apigee

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

// adversarialGroups are group names a pattern over the raw claim would
// confuse: commas (distinguished names), quotes, brackets, backslashes,
// spaces, JSON and JavaScript line terminators, markup and unicode.
var adversarialGroups = []string{
	"ops", "CN=ops,OU=eng", "OU=eng", "CN=ops", `a"b`, `["ops"]`, `[ops]`, `"ops"`, `\`, `a\"b`,
	" ops", "ops ", "a, b", "Ünï/€", "\u2028", "</script>", "{request.header.authorization}",
	"__proto__", "constructor", "x.y", ",", "",
}

// memberCase is one caller against one set of roles.
type memberCase struct {
	Raw    string              `json:"raw"`
	Set    bool                `json:"set"`
	Listed bool                `json:"listed"`
	Roles  map[string][]string `json:"roles"`
}

func TestGroupsModelIsExact(t *testing.T) {
	roles := map[string][]string{"dn": {"CN=ops,OU=eng"}, "ou": {"OU=eng"}, "ops": {"ops"}, "quoted": {`a"b`}, "bracket": {`["ops"]`}}
	tests := []struct {
		raw    string
		listed bool
		want   []string
	}{
		{`["CN=ops,OU=eng"]`, false, []string{"dn"}},
		{`["CN=ops,OU=eng"]`, true, []string{"dn"}},
		{`CN=ops,OU=eng`, false, []string{"dn"}},
		{`CN=ops,OU=eng`, true, []string{"ou"}}, // a listed attribute: two groups
		{`CN=ops, OU=eng`, true, []string{"ou"}},
		{`["OU=eng","CN=ops"]`, false, []string{"ou"}},
		{`["a,ops,b"]`, true, nil},
		{`["a\"b"]`, false, []string{"quoted"}},
		{`["a\u0022b"]`, false, []string{"quoted"}},
		{`"a\"b"`, true, []string{"quoted"}},
		{`["[\"ops\"]"]`, false, []string{"bracket"}},
		{`["ops"]`, false, []string{"ops"}},
		{`[ops]`, true, nil},
		{`["ops",]`, false, nil},
		{`{"ops":true}`, false, nil},
		{`[["ops"], 1, null]`, false, nil},
		{` ops , x`, true, []string{"ops"}},
		{` ops`, false, nil},
		{`"ops`, false, nil},
		{``, false, nil},
	}
	for _, tt := range tests {
		got := modelMembers(modelGroups(tt.raw, true, tt.listed), roles)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s (listed %v): members of %v, want %v", tt.raw, tt.listed, got, tt.want)
		}
	}
}

// TestGroupsModelProperty encodes random callers, whose groups are drawn
// from adversarialGroups, in every form the identity sources give, and
// requires membership to be exactly the set intersection.
func TestGroupsModelProperty(t *testing.T) {
	for _, c := range propertyCases(t, 2000) {
		if got := modelMembers(modelGroups(c.raw, true, c.Listed), c.Roles); !slices.Equal(got, c.want) {
			t.Fatalf("groups %q as %s (listed %v) against %v: members of %v, want %v", c.groups, c.raw, c.Listed, c.Roles, got, c.want)
		}
	}
}

// propertyCase is a caller whose groups are known, with the roles they
// must be exactly the members of.
type propertyCase struct {
	memberCase
	raw    string
	form   string // array, escaped, json string, list or string
	groups []string
	want   []string
}

func propertyCases(t *testing.T, n int) []propertyCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 1))
	pick := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = adversarialGroups[rng.IntN(len(adversarialGroups))]
		}
		return out
	}
	var cases []propertyCase
	for len(cases) < n {
		roles := map[string][]string{}
		for r := range 1 + rng.IntN(4) {
			roles[fmt.Sprintf("r%d", r)] = slices.DeleteFunc(pick(1+rng.IntN(3)), func(g string) bool { return g == "" })
		}
		groups := slices.DeleteFunc(pick(rng.IntN(4)), func(g string) bool { return g == "" })
		for form, raw := range encodings(groups, rng) {
			c := propertyCase{memberCase: memberCase{Raw: raw, Set: true, Listed: form != "string"}, raw: raw, form: form, groups: groups}
			c.Roles = roles
			c.want = intersect(groups, roles)
			cases = append(cases, c)
		}
	}
	return cases
}

// encodings writes groups in each form that can hold them: a JSON array
// (plain, and with every non-ASCII or special character \u-escaped), one
// JSON string, a comma-separated list, a bare string claim.
func encodings(groups []string, rng *rand.Rand) map[string]string {
	out := map[string]string{}
	data, _ := json.Marshal(groups)
	if groups == nil {
		data = []byte("[]")
	}
	out["array"] = string(data)
	out["escaped"] = escapeAll(groups)
	if len(groups) == 1 {
		one, _ := json.Marshal(groups[0])
		out["json string"] = string(one)
		if g := groups[0]; g != "" && !strings.ContainsAny(g[:1], `["`) && strings.Trim(g, " \t") == g && g[0] != ' ' {
			out["string"] = g
		}
	}
	listable := len(groups) > 0
	for _, g := range groups {
		if strings.Contains(g, ",") || strings.Trim(g, " \t") != g || g == "" || strings.ContainsAny(g[:1], `["`) {
			listable = false
		}
	}
	if listable {
		sep := []string{",", ", ", " ,\t"}[rng.IntN(3)]
		out["list"] = strings.Join(groups, sep)
	}
	return out
}

// escapeAll is groups as a JSON array with every character outside
// printable ASCII letters and digits written as \uXXXX (surrogate pairs
// beyond the BMP), as some JSON writers do.
func escapeAll(groups []string) string {
	var b strings.Builder
	b.WriteString("[ ")
	for i, g := range groups {
		if i > 0 {
			b.WriteString(" , ")
		}
		b.WriteByte('"')
		for _, u := range utf16Units(g) {
			if u < 0x80 && (u >= 'a' && u <= 'z' || u >= 'A' && u <= 'Z' || u >= '0' && u <= '9') {
				b.WriteByte(byte(u))
			} else {
				fmt.Fprintf(&b, `\u%04X`, u)
			}
		}
		b.WriteByte('"')
	}
	b.WriteString(" ]")
	return b.String()
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// intersect is the roles, sorted, holding one of groups.
func intersect(groups []string, roles map[string][]string) []string {
	var out []string
	for role, gs := range roles {
		for _, g := range gs {
			if slices.Contains(groups, g) {
				out = append(out, role)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// node is the Node.js executable; without it the script tests skip,
// except in CI, where they fail.
func node(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("node not found: the groups script cannot be checked")
	}
	t.Skip("node not found")
	return ""
}

// TestGroupsScriptAgreesWithModel runs jsc/groups.js, as compiled into a
// bundle, under Node with a stand-in for Apigee's context object, on the
// property cases and the adversarial ones, and requires the roles it
// marks to be those of the model (which the sim uses).
func TestGroupsScriptAgreesWithModel(t *testing.T) {
	bin := node(t)
	var cases []memberCase
	for _, c := range propertyCases(t, 600) {
		cases = append(cases, c.memberCase)
	}
	roles := map[string][]string{"a": adversarialGroups[:len(adversarialGroups)-1], "dn": {"CN=ops,OU=eng"}, "ou": {"OU=eng"}}
	for _, raw := range []string{`["CN=ops,OU=eng"]`, `CN=ops,OU=eng`, `["a,OU=eng,b"]`, `[OU=eng]`, `"OU=eng"`, ` OU=eng `, `["OU=eng",]`, ``} {
		for _, listed := range []bool{false, true} {
			cases = append(cases, memberCase{Raw: raw, Set: true, Listed: listed, Roles: roles})
		}
	}
	cases = append(cases, memberCase{Set: false, Roles: roles})
	got := runGroupsScript(t, bin, cases)
	for i, c := range cases {
		want := modelMembers(modelGroups(c.Raw, c.Set, c.Listed), c.Roles)
		if !slices.Equal(got[i], want) {
			t.Errorf("%q (set %v, listed %v) against %v: script marks %v, model %v", c.Raw, c.Set, c.Listed, c.Roles, got[i], want)
		}
	}
}

// runGroupsScript runs the compiled script once per case in one Node
// process and returns the roles each run marked, sorted.
func runGroupsScript(t *testing.T, bin string, cases []memberCase) [][]string {
	t.Helper()
	dir := t.TempDir()
	var scripts []string
	for _, c := range cases {
		id := identity{groups: "claim.groups", listed: c.Listed}
		var ms []member
		for _, name := range schema.Names(c.Roles) {
			ms = append(ms, member{role: &schema.Role{Name: name, Members: schema.Members{Claims: schema.Claims{Groups: c.Roles[name]}}}})
		}
		scripts = append(scripts, string(groupsSource(id, ms)))
	}
	input, _ := json.Marshal(map[string]any{"cases": cases, "scripts": scripts})
	harness := `
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = input.cases.map((c, i) => {
  const marked = [];
  const context = {
    getVariable: (name) => (name === "claim.groups" && c.set ? c.raw : null),
    setVariable: (name, value) => {
      if (!name.startsWith("lingate.member.") || value !== "true") throw new Error("unexpected " + name + "=" + value);
      marked.push(name.slice("lingate.member.".length));
    },
  };
  new Function("context", input.scripts[i])(context);
  return marked.sort();
});
process.stdout.write(JSON.stringify(out));
`
	for name, data := range map[string][]byte{"harness.js": []byte(harness), "input.json": input} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, filepath.Join(dir, "harness.js"), filepath.Join(dir, "input.json"))
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stdout)
	}
	var got [][]string
	if err := json.Unmarshal(stdout, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node output %.200s: %v", stdout, err)
	}
	for i := range got {
		if len(got[i]) == 0 {
			got[i] = nil
		}
	}
	return got
}

func TestGroupsSourceHoldsTheData(t *testing.T) {
	id := identity{groups: "verifyapikey.VA-Verify.app.team", listed: true}
	ms := []member{{role: &schema.Role{Name: "r", Members: schema.Members{Claims: schema.Claims{Groups: []string{"</script>\u2028\"x\""}}}}}}
	src := groupsSource(id, ms)
	d, err := parseScriptData(src)
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != id.groups || !d.Listed || !slices.Equal(d.Roles["r"], ms[0].role.Members.Claims.Groups) {
		t.Errorf("data %+v", d)
	}
	if strings.ContainsAny(strings.SplitN(string(src), "\n", 4)[2], "<>\u2028") {
		t.Errorf("roles line holds a character that could end the script: %s", src)
	}
	js := groupsPolicy().doc.(javascript)
	if js.ResourceURL != "jsc://lingate-groups.js" || js.TimeLimit <= 0 {
		t.Errorf("JS-Groups %+v", js)
	}
}

// TestSimulatedMembershipIsExact is the request simulator's property test
// of membership: a proxy whose roles' groups are adversarial names, called
// by random callers whose groups (drawn from the same names) come in every
// form the identity source gives, admits exactly the callers one of whose
// groups a role lists, in the role of largest quota.
func TestSimulatedMembershipIsExact(t *testing.T) {
	for _, auth := range []string{"oidc", "apiKey"} {
		cfg, claim := adversarialConfig(auth)
		files, _ := mustBundle(t, cfg, "edge", "p")
		tested := 0
		for _, c := range propertyCases(t, 400) {
			if c.form == map[string]string{"oidc": "list", "apiKey": "string"}[auth] {
				continue // a JWT claim is never a comma list; an attribute is read as one
			}
			tested++
			vars := map[string]string{claim: c.raw, "jwt.JWT-Verify.claim.subject": "s", "verifyapikey.VA-Verify.client_id": "s"}
			want := intersect(c.groups, groupsByRole(cfg))
			got := simulate(t, files, "GET", "/x", vars)
			if (got.status == 0) != (len(want) > 0) {
				t.Fatalf("%s: groups %q as %s: status %d, want members of %v", auth, c.groups, c.raw, got.status, want)
			}
		}
		if tested < 300 {
			t.Errorf("%s: only %d callers tested", auth, tested)
		}
	}
}

// adversarialConfig is one product p in environment edge whose roles each
// list one or two of adversarialGroups, and the variable the caller's
// groups are read from.
func adversarialConfig(auth string) (*schema.Config, string) {
	p := &schema.Product{DisplayName: "P", BasePath: "/p", Environments: []string{"edge"}, Target: &schema.Target{URL: "https://p"}, Tier: "t"}
	claim := "verifyapikey.VA-Verify.app.groups"
	if auth == "oidc" {
		p.Auth = schema.Auth{OIDC: &schema.OIDC{Issuer: "https://id", Audience: "a", JWKSURI: "https://id/keys", Claim: "groups"}}
		claim = "jwt.JWT-Verify.decoded.claim.groups"
	} else {
		p.Auth = schema.Auth{APIKey: &schema.KeyAuth{Claim: "groups"}}
	}
	cfg := &schema.Config{
		Environments: map[string]*schema.Environment{"edge": {Apigee: schema.ApigeeTarget{Organization: "o", Environment: "edge"}}},
		Tiers:        map[string]*schema.Tier{"t": {}},
		Products:     map[string]*schema.Product{"p": p},
		Roles:        map[string]*schema.Role{},
	}
	names := slices.DeleteFunc(slices.Clone(adversarialGroups), func(g string) bool { return g == "" })
	for i := 0; i < len(names); i += 2 {
		groups := names[i:min(i+2, len(names))]
		cfg.Roles[fmt.Sprintf("r%02d", i)] = &schema.Role{Members: schema.Members{Claims: schema.Claims{Groups: groups}},
			Grants: map[string]*schema.Grant{"p": {}}, Tier: "t"}
	}
	fillNames(cfg)
	return cfg, claim
}

// groupsByRole maps each role of cfg to its groups.
func groupsByRole(cfg *schema.Config) map[string][]string {
	out := map[string][]string{}
	for name, r := range cfg.Roles {
		out[name] = r.Members.Claims.Groups
	}
	return out
}
