// Package golden compares test output with files committed under testdata,
// and rewrites them when LINGATE_UPDATE_GOLDEN is set.
package golden

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// EnvUpdate is the variable that makes tests rewrite their golden files.
const EnvUpdate = "LINGATE_UPDATE_GOLDEN"

// Updating reports whether golden files are being rewritten. Under CI
// (CI set, as every CI service sets it) they never are: asking for it there
// fails the test, since goldens rewritten in CI would pass whatever the
// code does.
func Updating(t testing.TB) bool {
	t.Helper()
	if os.Getenv(EnvUpdate) == "" {
		return false
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" {
		t.Fatalf("%s is set under CI=%s: golden files are rewritten only by hand, and the diff reviewed", EnvUpdate, ci)
		return false
	}
	return true
}

// File compares got with the file at path, or rewrites it.
func File(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating(t) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file (%s=1 writes it): %v", EnvUpdate, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (%s=1 rewrites it):\ngot:\n%s\nwant:\n%s", path, EnvUpdate, got, want)
	}
}

// Tree compares files, keyed by slash path, with the tree under dir, or
// replaces the tree with them.
func Tree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if Updating(t) {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		WriteTree(t, dir, files)
		return
	}
	want := ReadTree(t, dir)
	got := slices.Sorted(maps.Keys(files))
	if wantPaths := slices.Sorted(maps.Keys(want)); !slices.Equal(got, wantPaths) {
		t.Fatalf("files differ from %s (%s=1 rewrites it):\ngot  %v\nwant %v", dir, EnvUpdate, got, wantPaths)
	}
	for _, p := range got {
		if !bytes.Equal(files[p], want[p]) {
			t.Errorf("%s differs from %s (%s=1 rewrites it):\ngot:\n%s\nwant:\n%s", p, dir, EnvUpdate, files[p], want[p])
		}
	}
}

// ReadTree reads every file under dir, keyed by slash path relative to it.
func ReadTree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("read %s (%s=1 writes golden trees): %v", dir, EnvUpdate, err)
	}
	return files
}

// WriteTree writes files, keyed by slash path, under dir.
func WriteTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ModuleRoot is the folder holding go.mod, above the test's folder.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}
