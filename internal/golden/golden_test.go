package golden

import (
	"path/filepath"
	"testing"
)

func TestTreeRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	files := map[string][]byte{"a.txt": []byte("a"), "sub/b.txt": []byte("b")}
	t.Setenv(EnvUpdate, "1")
	Tree(t, dir, files)
	File(t, filepath.Join(dir, "c.txt"), []byte("c"))
	t.Setenv(EnvUpdate, "")
	got := ReadTree(t, dir)
	if len(got) != 3 || string(got["sub/b.txt"]) != "b" || string(got["c.txt"]) != "c" {
		t.Fatalf("tree read back as %v", got)
	}
	File(t, filepath.Join(dir, "c.txt"), []byte("c"))
	Tree(t, filepath.Join(dir, "sub"), map[string][]byte{"b.txt": []byte("b")})
}

func TestTreeReportsDifferences(t *testing.T) {
	dir := t.TempDir()
	WriteTree(t, dir, map[string][]byte{"a.txt": []byte("a")})
	var rec recorder
	Tree(&rec, dir, map[string][]byte{"a.txt": []byte("changed")})
	if !rec.failed {
		t.Error("a changed file passed")
	}
}

// recorder is a testing.TB that only records failure.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
