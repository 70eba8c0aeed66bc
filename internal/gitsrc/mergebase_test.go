package gitsrc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/gittest"
)

// mergeBase is lingate's merge-base of two full SHAs.
func mergeBase(r *gitsrc.Repo, a, b string) (string, error) {
	c, err := r.MergeBase(gitsrc.Commit{SHA: a, Rev: a[:7]}, gitsrc.Commit{SHA: b, Rev: b[:7]})
	return c.SHA, err
}

// TestMergeBaseCrissCross: of two best common ancestors (each merged into
// the other), the newer by committer date is the merge-base, as git picks
// it; of two of the same date, the smaller SHA, so that the choice never
// depends on the order of a walk.
func TestMergeBaseCrissCross(t *testing.T) {
	g := gittest.New(t)
	root := g.Graft("root")
	older := g.Graft("older side", root)
	newer := g.Graft("newer side", root)
	when := gittest.Epoch().Add(time.Hour)
	twinA, twinB := g.GraftAt(when, "twin a", root), g.GraftAt(when, "twin b", root)
	r := open(t, g)
	for _, tc := range []struct{ name, x, y, want string }{
		{"dates differ", older, newer, newer},
		{"dates differ, named the other way", newer, older, newer},
		{"same date", twinA, twinB, min(twinA, twinB)},
		{"same date, named the other way", twinB, twinA, min(twinA, twinB)},
	} {
		m1, m2 := g.Graft("merge y into x", tc.x, tc.y), g.Graft("merge x into y", tc.y, tc.x)
		for _, pair := range [][2]string{{m1, m2}, {m2, m1}} {
			if got, err := mergeBase(r, pair[0], pair[1]); err != nil || got != tc.want {
				t.Errorf("%s: merge-base %s %s = %q, %v; want %s", tc.name, pair[0][:7], pair[1][:7], got, err, tc.want[:7])
			}
		}
	}
}

// TestMergeBaseFailures: commits of unrelated histories have no
// merge-base; a history that cannot be walked (a parent missing from the
// object store) is an error naming both commits, and in a shallow clone
// it says how to fetch the rest.
func TestMergeBaseFailures(t *testing.T) {
	g := gittest.New(t)
	one := g.Graft("one root")
	other := g.Graft("another root")
	orphan := g.Graft("parent missing", strings.Repeat("1", 40))
	r := open(t, g)
	if got, err := mergeBase(r, one, other); err == nil || err.Error() != "merge-base of "+one[:7]+" and "+other[:7]+": the two share no history" {
		t.Errorf("unrelated roots: %q, %v; want no shared history", got, err)
	}
	if got, err := mergeBase(r, one, orphan); err == nil || !strings.HasPrefix(err.Error(), "merge-base of "+one[:7]+" and "+orphan[:7]+": object not found") {
		t.Errorf("a missing parent: %q, %v; want object not found", got, err)
	}

	g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	g.Write(map[string]string{"policies/a.cue": "package policies\n"}).Commit("second")
	shallow := g.ShallowClone(1)
	gone := resolve(t, open(t, g), "HEAD~1").SHA
	sibling := shallow.Graft("a sibling of the shallow head", gone)
	r = open(t, shallow)
	head := resolve(t, r, "HEAD").SHA
	_, err := mergeBase(r, head, sibling)
	if err == nil || !strings.Contains(err.Error(), "history missing in this shallow clone (fetch the full history: actions/checkout with fetch-depth: 0") {
		t.Errorf("beyond the shallow boundary: %v, want the fix", err)
	}
}
