package gitsrc_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/gittest"
)

// TestDifferentialWithGit holds lingate's merge-base and revision
// resolution to git's own, on random histories: merges (criss-cross ones
// among them), unrelated roots, branches, lightweight and annotated tags,
// with loose objects and, every other history, packed ones. Every commit
// is a minute newer than the one before, so git's choice among several
// best merge-bases (the newest) is one lingate must make too. It needs the
// git command, and skips without it (but under CI, where it fails).
func TestDifferentialWithGit(t *testing.T) {
	gitPath, err := exec.LookPath("git")
	if err != nil && os.Getenv("CI") != "" {
		t.Fatal("git is not installed, and CI must compare with it")
	} else if err != nil {
		t.Skip("git is not installed: nothing to compare with")
	}
	histories := 6
	if testing.Short() {
		histories = 4
	}
	var criss, unrelated, found, none int
	for seed := range histories {
		h := newHistory(t, gitPath, uint64(seed))
		if seed%2 == 1 {
			h.git("", "repack", "-a", "-d", "-q")
			h.git("", "pack-refs", "--all")
		}
		r := open(t, h.g)
		c, u := h.compareMergeBases(r)
		criss, unrelated = criss+c, unrelated+u
		f, n := h.compareRevisions(r)
		found, none = found+f, none+n
	}
	t.Logf("%d histories: %d pairs with several best merge-bases, %d unrelated; %d revisions found, %d not", histories, criss, unrelated, found, none)
	// The comparisons above are only worth something if the histories
	// hold the cases that matter.
	if criss == 0 || unrelated == 0 || found == 0 || none == 0 {
		t.Errorf("the histories held %d pairs with several best merge-bases, %d unrelated pairs, %d revisions git found and %d it did not; want some of each", criss, unrelated, found, none)
	}
}

// history is a random repository and what it holds.
type history struct {
	t       *testing.T
	gitPath string
	g       *gittest.Repo
	rng     *rand.Rand
	commits []string
	parents map[string][]string
	refs    []string // branch and tag names
	tags    []string // SHAs of annotated tag objects
	tips    []string // the newest commit of each line of work
}

// newHistory grafts about 25 commits on three lines of work that commit,
// merge one another and now and then merge each other at once (a
// criss-cross); a line may start anew from a root of its own. Then it
// names some of the commits.
func newHistory(t *testing.T, gitPath string, seed uint64) *history {
	h := &history{t: t, gitPath: gitPath, g: gittest.New(t), rng: rand.New(rand.NewPCG(seed, 17)), parents: map[string][]string{}}
	root := h.graft()
	lines := []string{root, root, root}
	for range 8 + h.rng.IntN(4) {
		i, j := h.rng.IntN(3), h.rng.IntN(3)
		switch step := h.rng.IntN(10); {
		case step == 0:
			lines[i] = h.graft()
		case step < 3 && i != j:
			lines[i], lines[j] = h.graft(lines[i], lines[j]), h.graft(lines[j], lines[i])
		case step < 5 && i != j:
			lines[i] = h.graft(lines[i], lines[j])
		default:
			lines[i] = h.graft(lines[i])
		}
		lines[j] = h.graft(lines[j])
	}
	h.tips = lines
	for i := range 4 {
		branch, tag, annotated := fmt.Sprintf("topic-%d", i), fmt.Sprintf("v%d", i), fmt.Sprintf("rel-%d", i)
		h.g.SetRef("refs/heads/"+branch, h.pick()).SetRef("refs/tags/"+tag, h.pick())
		h.g.AddRemoteBranch("origin", fmt.Sprintf("remote-%d", i), h.pick())
		h.tags = append(h.tags, h.g.AnnotatedTagAt(annotated, h.pick(), "release "+annotated))
		h.refs = append(h.refs, branch, tag, annotated, fmt.Sprintf("origin/remote-%d", i))
	}
	h.g.SetRef("refs/heads/main", lines[0])
	return h
}

// graft adds a commit of parents to the history.
func (h *history) graft(parents ...string) string {
	sha := h.g.Graft(fmt.Sprintf("commit %d", len(h.commits)), parents...)
	h.commits = append(h.commits, sha)
	h.parents[sha] = parents
	return sha
}

// pick is a random commit of the history.
func (h *history) pick() string { return h.commits[h.rng.IntN(len(h.commits))] }

// git runs git in the repository, with no configuration but its own and
// stdin as its input, and returns its standard output and whether it
// succeeded (a failure other than exit status 1 fails the test).
func (h *history) git(stdin string, args ...string) (string, bool) {
	h.t.Helper()
	cmd := exec.Command(h.gitPath, append([]string{"-C", h.g.Dir}, args...)...)
	cmd.Env = []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME=" + h.g.Dir, "LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		h.t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), err == nil
}

// compareMergeBases compares the merge-base of random pairs of commits,
// and of each branch with a commit, with git's. It returns how many pairs
// had several best merge-bases and how many shared no history.
func (h *history) compareMergeBases(r *gitsrc.Repo) (criss, unrelated int) {
	var pairs [][2]string
	for i, a := range h.tips {
		for _, b := range h.tips[i+1:] {
			pairs = append(pairs, [2]string{a, b})
		}
	}
	for range 12 {
		pairs = append(pairs, [2]string{h.pick(), h.pick()})
	}
	for _, pair := range pairs {
		a, b := pair[0], pair[1]
		want, ok := h.git("", "merge-base", a, b)
		got, err := mergeBase(r, a, b)
		switch {
		case !ok && (err == nil || !strings.HasSuffix(err.Error(), "the two share no history")):
			h.t.Errorf("merge-base %s %s: lingate %s, %v; git finds none", a[:7], b[:7], got, err)
		case ok && (err != nil || got != want):
			h.t.Errorf("merge-base %s %s: lingate %s, %v; git %s", a[:7], b[:7], got, err, want)
		}
		if !ok {
			unrelated++
		}
		if all, _ := h.git("", "merge-base", "--all", a, b); strings.Count(all, "\n") > 0 {
			criss++
		}
	}
	for _, branch := range h.refs {
		if !strings.HasPrefix(branch, "topic-") && !strings.HasPrefix(branch, "origin/") {
			continue
		}
		head := h.pick()
		want, ok := h.git("", "merge-base", branch, head)
		rg, err := r.ResolveRange(branch, head)
		if ok != (err == nil) || ok && (rg.Base.SHA != want || !rg.MergeBase) {
			h.t.Errorf("range %s..%s: lingate %+v, %v; git's merge-base %q", branch, head[:7], rg, err, want)
		}
	}
	return criss, unrelated
}

// compareRevisions resolves names and expressions as lingate and git
// (cat-file, where a commit is meant) do: each must name the same commit,
// or both must find none.
func (h *history) compareRevisions(r *gitsrc.Repo) (found, none int) {
	revs := h.revisions()
	var in strings.Builder
	for _, rev := range revs {
		in.WriteString(rev + "^{commit}\n")
	}
	out, _ := h.git(in.String(), "cat-file", "--batch-check=%(objectname)")
	lines := strings.Split(out, "\n")
	if len(lines) != len(revs) {
		h.t.Fatalf("git cat-file answered %d lines for %d revisions", len(lines), len(revs))
	}
	for i, rev := range revs {
		want := lines[i]
		ok := len(want) == 40 && !strings.Contains(want, " ")
		got, err := r.Resolve(rev)
		if ok != (err == nil) || ok && got.SHA != want {
			h.t.Errorf("resolve %s: lingate %s, %v; git %q", rev, got.SHA, err, lines[i])
		}
		if ok {
			found++
		} else {
			none++
		}
	}
	return found, none
}

// revisions are the names and expressions to resolve: SHAs in full and
// short (down to the fewest digits git takes), the SHAs of tag objects,
// every branch and tag as written and in full, and ~N, ^N and ^{commit}
// steps after them, some of which lead past a root.
func (h *history) revisions() []string {
	var out []string
	for _, sha := range append(h.commits, h.tags...) {
		out = append(out, sha, sha[:4+h.rng.IntN(6)])
	}
	for _, sha := range h.commits {
		if len(h.parents[sha]) == 2 {
			out = append(out, sha[:10]+"^2", sha[:10]+"^2~1", sha[:10]+"^3")
		}
	}
	for _, name := range append(h.refs, "main", "HEAD") {
		out = append(out, name, name+"^{commit}", fmt.Sprintf("%s~%d", name, h.rng.IntN(5)), name+"^", name+"^^2",
			fmt.Sprintf("%s^{/commit %d}", name, h.rng.IntN(len(h.commits))))
		switch {
		case strings.HasPrefix(name, "topic-"):
			out = append(out, "refs/heads/"+name, "heads/"+name)
		case strings.HasPrefix(name, "origin/"):
			out = append(out, "refs/remotes/"+name, "remotes/"+name)
		case strings.HasPrefix(name, "v"), strings.HasPrefix(name, "rel-"):
			out = append(out, "refs/tags/"+name, "tags/"+name)
		}
	}
	return out
}
