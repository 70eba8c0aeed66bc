package apigee

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/golden"
	"github.com/lingate/lingate/schema"
)

// loadExample loads the example repository's policies/.
func loadExample(t *testing.T) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(golden.ModuleRoot(t)), "policies")
	if err != nil {
		t.Fatalf("load the example repository: %v", err)
	}
	return cfg
}

// TestGoldenExample compares the example repository's compiled output,
// every environment, with testdata/golden/example (LINGATE_UPDATE_GOLDEN=1
// rewrites it).
func TestGoldenExample(t *testing.T) {
	cfg := loadExample(t)
	for _, env := range cfg.EnvironmentNames() {
		t.Run(env, func(t *testing.T) {
			golden.Tree(t, filepath.Join("testdata", "golden", "example", env), compileFiles(t, cfg, env))
		})
	}
}

// TestGoldenRich compares the rich test Config's output with
// testdata/golden/rich.
func TestGoldenRich(t *testing.T) {
	golden.Tree(t, filepath.Join("testdata", "golden", "rich", "prod"), compileFiles(t, richConfig(), "prod"))
}

// TestLintExample lints every bundle of the example repository, in every
// environment.
func TestLintExample(t *testing.T) {
	cfg := loadExample(t)
	for _, env := range cfg.EnvironmentNames() {
		lintAll(t, cfg, env)
	}
}

// compileFiles compiles env and returns every file by path.
func compileFiles(t *testing.T, cfg *schema.Config, env string) map[string][]byte {
	t.Helper()
	objs, err := Compile(cfg, env)
	if err != nil {
		t.Fatalf("Compile(%s): %v", env, err)
	}
	files := map[string][]byte{}
	for _, o := range objs {
		for _, f := range o.Files {
			files[f.Path] = f.Data
		}
	}
	return files
}

// zipOf is a proxy object's bundle zip.
func zipOf(t *testing.T, o artifact.Object) []byte {
	t.Helper()
	for _, f := range o.Files {
		if f.Binary {
			return f.Data
		}
	}
	t.Fatalf("proxy %s has no zip", o.Name)
	return nil
}
