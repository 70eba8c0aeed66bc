package gitsrc_test

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/lingate/lingate/internal/gittest"
)

// TestResolvePeelsAnnotatedTags: an annotated tag is an object of its
// own; named by its SHA, or by a tag that is also a branch's name, it
// stands for the commit it tags, as git reads it where a commit is meant.
func TestResolvePeelsAnnotatedTags(t *testing.T) {
	g := gittest.New(t)
	first := g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	tag := g.AnnotatedTagAt("rel", first, "release")
	second := g.Write(map[string]string{"policies/more.cue": "package policies\n"}).Commit("second")
	g.SetRef("refs/heads/rel", second)
	r := open(t, g)
	for _, rev := range []string{tag, tag[:8], tag[:8] + "^{commit}", "refs/tags/rel", "tags/rel"} {
		if c := resolve(t, r, rev); c.SHA != first {
			t.Errorf("resolve %s = %s, want the tagged commit %s", rev, c.SHA, first)
		}
	}
	want := `revision "rel": ambiguous: it names tag refs/tags/rel (` + first[:7] + `) and branch refs/heads/rel (` + second[:7] + `); name one in full`
	if _, err := r.Resolve("rel"); err == nil || err.Error() != want {
		t.Errorf("resolve rel: %v\nwant %s", err, want)
	}
}

// TestResolveShortSHAOfCommitsOnly: a short SHA that a tree shares with a
// commit names the commit, as git reads it where a commit is meant; a
// tree's alone names nothing.
func TestResolveShortSHAOfCommitsOnly(t *testing.T) {
	g := gittest.New(t)
	first := g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	tree := resolveTree(t, g, first)
	twin := g.GraftPrefixed(tree[:4], first)
	r := open(t, g)
	if c, err := r.Resolve(tree[:4]); err != nil || c.SHA != twin {
		t.Errorf("resolve %s (a tree and a commit): %+v, %v; want the commit %s", tree[:4], c, err, twin)
	}
	if _, err := r.Resolve(tree[:8]); err == nil || !strings.HasPrefix(err.Error(), `revision "`+tree[:8]+`": not found`) {
		t.Errorf("resolve the SHA of a tree: %v, want not found (a tree is no commit)", err)
	}
}

// resolveTree is the SHA of a commit's tree.
func resolveTree(t *testing.T, g *gittest.Repo, sha string) string {
	t.Helper()
	c, err := g.Git().CommitObject(plumbing.NewHash(sha))
	if err != nil {
		t.Fatal(err)
	}
	return c.TreeHash.String()
}
