package apigee

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/golden"
	"github.com/lingate/lingate/schema"
)

// apigeelint is the linter's executable: $LINGATE_APIGEELINT, or the copy
// `npm ci --prefix .ci` installs. Without it the lint tests skip, except
// in CI (CI set), where they fail.
func apigeelint(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LINGATE_APIGEELINT"); p != "" {
		return p
	}
	p := filepath.Join(repoRoot(t), ".ci", "node_modules", ".bin", "apigeelint")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	msg := "apigeelint not found at " + p + ": run `npm ci --prefix .ci` or set LINGATE_APIGEELINT"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// lintReport is one file of apigeelint's json.js output.
type lintReport struct {
	FilePath     string `json:"filePath"`
	ErrorCount   int    `json:"errorCount"`
	WarningCount int    `json:"warningCount"`
	Messages     []struct {
		RuleID   string `json:"ruleId"`
		Severity int    `json:"severity"`
		Message  string `json:"message"`
		Line     int    `json:"line"`
	} `json:"messages"`
}

// lintSlots bounds concurrent apigeelint runs (each is a Node process).
var lintSlots = make(chan struct{}, 2)

// lintFindings runs apigeelint on the bundle inside zipped, unpacked into a
// temporary folder, and returns every error and warning as
// "file:line: rule: message".
func lintFindings(t *testing.T, zipped []byte) []string {
	t.Helper()
	bin := apigeelint(t)
	dir := t.TempDir()
	golden.WriteTree(t, dir, unzip(t, zipped))
	lintSlots <- struct{}{}
	cmd := exec.Command(bin, "-s", filepath.Join(dir, "apiproxy"), "-f", "json.js", "--profile", "apigeex", "--norc")
	// ESLint (PO025) ignores, with a warning, a script outside its working
	// folder; from a repository, a compiled bundle lies inside it.
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	<-lintSlots
	var reports []lintReport
	if jerr := json.Unmarshal(out, &reports); jerr != nil {
		t.Fatalf("apigeelint: %v (%v)\nstdout: %s\nstderr: %s", jerr, err, out, stderr.String())
	}
	var findings []string
	for _, r := range reports {
		for _, m := range r.Messages {
			findings = append(findings, fmt.Sprintf("%s:%d: %s (severity %d): %s",
				strings.TrimPrefix(r.FilePath, dir+string(filepath.Separator)), m.Line, m.RuleID, m.Severity, m.Message))
		}
	}
	return findings
}

// assertLintClean fails with every finding apigeelint has on a bundle.
func assertLintClean(t *testing.T, name string, zipped []byte) {
	t.Helper()
	if findings := lintFindings(t, zipped); len(findings) > 0 {
		t.Errorf("%s: apigeelint --profile apigeex found %d problems:\n%s", name, len(findings), strings.Join(findings, "\n"))
	}
}

// TestLintFindsProblems proves the lint helper sees what apigeelint
// reports: a bundle with a second unconditional flow fails.
func TestLintFindsProblems(t *testing.T) {
	files, _, err := Bundle(richConfig(), "prod", "keys")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if f.Path == "apiproxy/proxies/default.xml" {
			files[i].Data = bytes.Replace(f.Data, []byte("<Flows>"), []byte(`<Flows><Flow name="extra"><Request/><Response/></Flow>`), 1)
		}
	}
	zipped, err := Zip(files)
	if err != nil {
		t.Fatal(err)
	}
	if findings := lintFindings(t, zipped); !contains(findings, "FL001") {
		t.Errorf("expected FL001 for two unconditional flows, got %v", findings)
	}
}

// TestLintRichConfig lints every bundle of a Config that uses every
// feature: three auth kinds, targets per tier, a TargetServer, operations,
// CORS, header transforms, quotas and many roles.
func TestLintRichConfig(t *testing.T) {
	lintAll(t, richConfig(), "prod")
}

// lintAll lints every bundle compiled for env, in parallel.
func lintAll(t *testing.T, cfg *schema.Config, env string) {
	t.Helper()
	apigeelint(t)
	objs, err := Compile(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Kind != artifact.KindProxy {
			continue
		}
		t.Run(env+"/"+o.Name, func(t *testing.T) {
			t.Parallel()
			assertLintClean(t, o.Name, zipOf(t, o))
		})
	}
}
