package schema

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// TestCueVetRecipe: the recipe of docs/policies.md accepts the example
// policies and refuses a tier with no replicas. It runs the recipe as
// written where the cue command is installed (lingate schema standing for
// itself); without it, it does what the recipe does with CUE's Go API.
func TestCueVetRecipe(t *testing.T) {
	script := docBlock(t, "../docs/policies.md", "## Checking with `cue vet`", "sh")
	for _, want := range []string{`sed 's/^package schema$/package policies/'`, `printf 'package policies\n\n#Config\n'`,
		`cue vet -c=false`, `cue export -e environments -e tiers -e products -e roles`} {
		if !strings.Contains(script, want) {
			t.Fatalf("the recipe no longer holds %s, which this test does in Go:\n%s", want, script)
		}
	}
	broken := brokenCopy(t, "tiers.cue", "replicas:     3", "replicas:     0")
	incomplete := brokenCopy(t, "products/customers.cue", `basePath:     "/customers/v1"`, "")
	vet := vetInGo
	if _, err := exec.LookPath("cue"); err == nil {
		vet = func(t *testing.T, dir string) error { return vetWithCue(t, dir, script) }
	}
	if err := vet(t, ".."); err != nil {
		t.Errorf("the example policies: %v", err)
	}
	if err := vet(t, broken); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Errorf("a tier with 0 replicas: %v, want an error about replicas", err)
	}
	if err := vet(t, incomplete); err == nil || !strings.Contains(err.Error(), "basePath") {
		t.Errorf("a product without its basePath: %v, want an error about basePath", err)
	}
}

// brokenCopy copies the example policies into a new folder with old
// replaced by new, once, in the file at rel.
func brokenCopy(t *testing.T, rel, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "policies"), os.DirFS("../policies")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "policies", filepath.FromSlash(rel))
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), old) {
		t.Fatalf("policies/%s: %v, or no %q to break", rel, err, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// vetWithCue runs the recipe in dir, with a lingate that prints the schema.
func vetWithCue(t *testing.T, dir, script string) error {
	t.Helper()
	schemaFile := filepath.Join(t.TempDir(), "schema.cue")
	if err := os.WriteFile(schemaFile, []byte(Source), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euc", "lingate() { cat \"$LINGATE_SCHEMA\"; }\n"+script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LINGATE_SCHEMA="+schemaFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &vetError{string(out)}
	}
	return nil
}

type vetError struct{ out string }

func (e *vetError) Error() string { return e.out }

// vetInGo does what the recipe does: the schema as package policies, a
// file embedding #Config, and the policy files CUE's loader would take,
// vetted as a whole (guardrails are constraints, never concrete) and for
// concrete values in the four data sections.
func vetInGo(t *testing.T, dir string) error {
	t.Helper()
	inst := build.NewContext().NewInstance(dir, nil)
	add := func(name, src string) {
		f, err := parser.ParseFile(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.AddSyntax(f); err != nil {
			t.Fatal(err)
		}
	}
	add("schema.cue", strings.Replace(Source, "package schema", "package policies", 1))
	add("config.cue", "package policies\n\n#Config\n")
	err := filepath.WalkDir(filepath.Join(dir, "policies"), func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_"):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir() || !strings.HasSuffix(p, ".cue"):
			return nil
		}
		b, err := os.ReadFile(p)
		add(p, string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		return err
	}
	for _, section := range []string{"environments", "tiers", "products", "roles"} {
		if err := v.LookupPath(cue.ParsePath(section)).Validate(cue.Concrete(true)); err != nil {
			return err
		}
	}
	return nil
}
