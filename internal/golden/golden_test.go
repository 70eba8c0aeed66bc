package golden

import (
	"path/filepath"
	"testing"
)

func TestTreeRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	files := map[string][]byte{"a.txt": []byte("a"), "sub/b.txt": []byte("b")}
	t.Setenv("CI", "")
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

// TestNoRewriteUnderCI: under CI, asking to rewrite goldens fails the
// test and leaves the files as they are; CI=false is no CI.
func TestNoRewriteUnderCI(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvUpdate, "1")
	for _, tc := range []struct {
		ci    string
		fails bool
	}{{"true", true}, {"1", true}, {"false", false}} {
		ci, fails := tc.ci, tc.fails
		WriteTree(t, dir, map[string][]byte{"a.txt": []byte("a")})
		t.Setenv("CI", ci)
		var rec recorder
		File(&rec, filepath.Join(dir, "a.txt"), []byte("rewritten under CI="+ci))
		if rec.failed != fails {
			t.Errorf("CI=%s: failed %v, want %v", ci, rec.failed, fails)
		}
		want := "a"
		if !fails {
			want = "rewritten under CI=" + ci
		}
		if got := ReadTree(t, dir)["a.txt"]; string(got) != want {
			t.Errorf("CI=%s: a.txt holds %q, want %q", ci, got, want)
		}
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
