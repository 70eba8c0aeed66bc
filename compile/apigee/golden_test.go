package apigee

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// updateGolden rewrites the golden files instead of comparing with them.
var updateGolden = os.Getenv("LINGATE_UPDATE_GOLDEN") != ""

// loadExample loads the example repository's policies/.
func loadExample(t *testing.T) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(repoRoot(t)), "policies")
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
			checkGolden(t, filepath.Join("testdata", "golden", "example", env), compileFiles(t, cfg, env))
		})
	}
}

// TestGoldenRich compares the rich test Config's output with
// testdata/golden/rich.
func TestGoldenRich(t *testing.T) {
	checkGolden(t, filepath.Join("testdata", "golden", "rich", "prod"), compileFiles(t, richConfig(), "prod"))
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

// checkGolden compares files with the tree under dir, or rewrites it.
func checkGolden(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if updateGolden {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		writeTree(t, dir, files)
		return
	}
	want := readTree(t, dir)
	got := slices.Sorted(maps.Keys(files))
	if wantPaths := slices.Sorted(maps.Keys(want)); !slices.Equal(got, wantPaths) {
		t.Fatalf("files differ from %s (LINGATE_UPDATE_GOLDEN=1 rewrites it):\ngot  %v\nwant %v", dir, got, wantPaths)
	}
	for _, p := range got {
		if !bytes.Equal(files[p], want[p]) {
			t.Errorf("%s differs from %s (LINGATE_UPDATE_GOLDEN=1 rewrites it):\ngot:\n%s\nwant:\n%s", p, dir, files[p], want[p])
		}
	}
}

// readTree reads every file under dir, by slash path relative to it.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatalf("read golden files (LINGATE_UPDATE_GOLDEN=1 writes them): %v", err)
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
