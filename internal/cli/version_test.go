package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: sha}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name, linked string
		info         *debug.BuildInfo
		want         string
	}{
		{"linked wins", "v9.9.9", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v9.9.9"},
		{"go install of a release", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: vcs("false")}, "v1.2.3"},
		{"go install of a commit", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201052700-0123456789ab"}}, "v0.0.0-20261201052700-0123456789ab"},
		{"go build of a clean work tree", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, "devel+0123456789ab"},
		{"go build of a changed work tree", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, "devel+0123456789ab-dirty"},
		{"no VCS information", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"no build information", "", nil, "devel"},
	} {
		if got := versionOf(tc.linked, tc.info); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVersionOfABuiltBinary builds lingate from the repository's work
// tree, as a contributor would, and checks that --version names the commit
// checked out, which go build stamps as the module's version. It needs git and a clone: go build
// stamps nothing in a linked worktree (whose .git is a file).
func TestVersionOfABuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed: no VCS information to stamp")
	}
	root, err := exec.Command(gitPath, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not a git work tree: %v", err)
	}
	dir := strings.TrimSpace(string(root))
	if fi, err := os.Stat(filepath.Join(dir, ".git")); err != nil || !fi.IsDir() {
		t.Skipf("%s is a linked worktree or has no .git folder: go build stamps no VCS information there", dir)
	}
	head := run(t, dir, gitPath, "rev-parse", "HEAD")
	dirty := run(t, dir, gitPath, "status", "--porcelain") != ""
	bin := filepath.Join(t.TempDir(), "lingate")
	run(t, dir, "go", "build", "-buildvcs=true", "-o", bin, "./cmd/lingate")
	// Go stamps a pseudo-version of the commit (v0.0.0-date-sha, +dirty
	// when the work tree holds changes), or a tag's version.
	got := run(t, dir, bin, "--version")
	if !strings.HasPrefix(got, "lingate version v") || !strings.Contains(got, head[:12]) || strings.HasSuffix(got, "+dirty") != dirty {
		t.Errorf("--version printed %q, want the version of commit %s (dirty: %v)", got, head[:12], dirty)
	}
}

// run runs a command in dir and returns its output, trimmed.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
