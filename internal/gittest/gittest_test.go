package gittest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// build makes the same three commits every time.
func build(t *testing.T) (*Repo, []string) {
	g := New(t)
	a := g.Write(map[string]string{"a.txt": "one\n", "dir/b.txt": "two\n"}).Commit("first")
	b := g.Remove("a.txt").Write(map[string]string{"dir/b.txt": "three\n"}).Commit("second")
	c := g.Commit("empty")
	return g, []string{a, b, c}
}

func TestSameStepsSameSHAs(t *testing.T) {
	_, x := build(t)
	_, y := build(t)
	for i := range x {
		if x[i] != y[i] || len(x[i]) != 40 {
			t.Errorf("commit %d: %s and %s", i, x[i], y[i])
		}
	}
	if x[1] == x[2] {
		t.Error("an empty commit has its parent's SHA")
	}
}

func TestCommitRecordsTheWorkTree(t *testing.T) {
	g, shas := build(t)
	c, err := g.Git().CommitObject(plumbing.NewHash(shas[1]))
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := c.Tree()
	if _, err := tree.File("a.txt"); err == nil {
		t.Error("removed file still committed")
	}
	f, err := tree.File("dir/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := f.Contents(); s != "three\n" {
		t.Errorf("dir/b.txt = %q", s)
	}
	if !c.Author.When.Equal(Epoch().Add(60e9)) || c.Author.Email != "test@lingate.invalid" {
		t.Errorf("author %v", c.Author)
	}
}

func TestBranchesTagsLinks(t *testing.T) {
	g, shas := build(t)
	g.Tag("v1").AnnotatedTag("v1a", "note")
	g.Branch("topic")
	topic := g.Write(map[string]string{"t.txt": "t\n"}).Symlink("link", "t.txt").Commit("topic")
	g.Checkout("main")
	if _, err := os.Stat(filepath.Join(g.Dir, "t.txt")); err == nil {
		t.Error("checkout main kept topic's file")
	}
	for name, want := range map[plumbing.ReferenceName]string{
		"refs/heads/main": shas[2], "refs/heads/topic": topic, "refs/tags/v1": shas[2],
	} {
		ref, err := g.Git().Reference(name, true)
		if err != nil || ref.Hash().String() != want {
			t.Errorf("%s: %v %v, want %s", name, ref, err, want)
		}
	}
	c, _ := g.Git().CommitObject(plumbing.NewHash(topic))
	tree, _ := c.Tree()
	e, err := tree.FindEntry("link")
	if err != nil || e.Mode != filemode.Symlink {
		t.Errorf("link entry %+v %v", e, err)
	}
	g.AddRemoteBranch("origin", "main", shas[0])
	if h, err := g.Git().ResolveRevision("origin/main"); err != nil || h.String() != shas[0] {
		t.Errorf("origin/main = %v %v", h, err)
	}
	sub := g.CommitGitlink("vendor", shas[0], "gitlink")
	c, _ = g.Git().CommitObject(plumbing.NewHash(sub))
	tree, _ = c.Tree()
	if e, err := tree.FindEntry("vendor"); err != nil || e.Mode != filemode.Submodule || e.Hash.String() != shas[0] {
		t.Errorf("gitlink entry %+v %v", e, err)
	}
	shallow := g.ShallowClone(1)
	// Each branch is cut after its newest commit.
	if s, err := shallow.Git().Storer.Shallow(); err != nil || len(s) != 2 {
		t.Errorf("shallow clone of main and topic: %v %v", s, err)
	}
	if _, err := shallow.Git().ResolveRevision("HEAD~1"); err == nil {
		t.Error("shallow clone holds the parent commit")
	}
}

func TestSetRefAndTwins(t *testing.T) {
	g, shas := build(t)
	g.SetRef("refs/remotes/pull/7/merge", shas[0])
	if h, err := g.Git().ResolveRevision("pull/7/merge"); err != nil || h.String() != shas[0] {
		t.Errorf("pull/7/merge = %v %v, want %s", h, err, shas[0])
	}
	a, b := g.Twins(4)
	if a == b || a[:4] != b[:4] {
		t.Fatalf("twins %s and %s", a, b)
	}
	for _, sha := range []string{a, b} {
		c, err := g.Git().CommitObject(plumbing.NewHash(sha))
		if err != nil || len(c.ParentHashes) != 1 || c.ParentHashes[0].String() != shas[2] {
			t.Errorf("twin %s: %v %v, want a child of %s", sha, c, err, shas[2])
		}
	}
	if x, y := g.Twins(4); x != a || y != b {
		t.Errorf("twins differ between calls: %s %s, then %s %s", a, b, x, y)
	}
}

func TestGraft(t *testing.T) {
	g, shas := build(t)
	root := g.Graft("another root")
	merge := g.Graft("merge", shas[2], root)
	same := g.GraftAt(Epoch(), "same time", root)
	for sha, parents := range map[string][]string{root: nil, merge: {shas[2], root}, same: {root}} {
		c, err := g.Git().CommitObject(plumbing.NewHash(sha))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range c.ParentHashes {
			got = append(got, p.String())
		}
		if !slices.Equal(got, parents) {
			t.Errorf("%s: parents %v, want %v", c.Message, got, parents)
		}
	}
	times := map[string]time.Time{}
	for _, sha := range []string{root, merge, same} {
		c, _ := g.Git().CommitObject(plumbing.NewHash(sha))
		times[c.Message] = c.Committer.When
	}
	if !times["merge"].After(times["another root"]) || !times["same time"].Equal(Epoch()) {
		t.Errorf("dates %v: want each graft later than the one before, and GraftAt's own", times)
	}
	v1 := g.AnnotatedTagAt("v1", root, "release")
	if tag, err := g.Git().TagObject(plumbing.NewHash(v1)); err != nil || tag.Target.String() != root {
		t.Errorf("tag v1: %v %v, want a tag object of %s", tag, err, root)
	}
}
