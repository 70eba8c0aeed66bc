// Package apigeelint runs apigeelint, Apigee's proxy bundle linter, on
// bundles from tests: the compiled proxies (compile/apigee) and the
// runtime probes (internal/emulator/apigee) are both held to it.
package apigeelint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/golden"
)

// EnvBinary names the linter's executable; without it, the copy
// `npm ci --prefix .ci` installs in the module root.
const EnvBinary = "LINGATE_APIGEELINT"

// Binary is the linter's executable. Without one the test skips, except
// under CI (CI set), where it fails.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvBinary); p != "" {
		return p
	}
	p := filepath.Join(golden.ModuleRoot(t), ".ci", "node_modules", ".bin", "apigeelint")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	msg := "apigeelint not found at " + p + ": run `npm ci --prefix .ci` or set " + EnvBinary
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// report is one file of apigeelint's json.js output.
type report struct {
	FilePath string `json:"filePath"`
	Messages []struct {
		RuleID   string `json:"ruleId"`
		Severity int    `json:"severity"`
		Message  string `json:"message"`
		Line     int    `json:"line"`
	} `json:"messages"`
}

// slots bounds concurrent runs (each is a Node process).
var slots = make(chan struct{}, 2)

// Findings runs apigeelint --profile apigeex on a bundle (its files by
// path, under apiproxy/) written to a temporary folder, and returns every
// error and warning as "file:line: rule (severity n): message".
func Findings(t testing.TB, bundle map[string][]byte) []string {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	golden.WriteTree(t, dir, bundle)
	slots <- struct{}{}
	cmd := exec.Command(bin, "-s", filepath.Join(dir, "apiproxy"), "-f", "json.js", "--profile", "apigeex", "--norc")
	// ESLint (PO025) ignores, with a warning, a script outside its working
	// folder; from a repository, a compiled bundle lies inside it.
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	<-slots
	var reports []report
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

// AssertClean fails the test with every finding apigeelint has on a bundle.
func AssertClean(t testing.TB, name string, bundle map[string][]byte) {
	t.Helper()
	if findings := Findings(t, bundle); len(findings) > 0 {
		t.Errorf("%s: apigeelint --profile apigeex found %d problems:\n%s", name, len(findings), strings.Join(findings, "\n"))
	}
}
