package gitsrc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Range is the pair of commits a plan compares.
type Range struct {
	Base, Head Commit
	// MergeBase is set when Base is the merge-base of the branch the user
	// named (Base.Rev) and Head, rather than the branch's newest commit.
	MergeBase bool
}

// ResolveRange resolves base and head. When base names a branch (local or
// remote-tracking), Base is the merge-base of that branch and head: a pull
// request is compared with the commit it branched from, so commits the
// branch gained since are not shown as if the pull request reverted them.
// A SHA, tag or expression is used as it is.
func (r *Repo) ResolveRange(base, head string) (Range, error) {
	h, err := r.Resolve(head)
	if err != nil {
		return Range{}, fmt.Errorf("head: %w", err)
	}
	b, err := r.Resolve(base)
	if err != nil {
		return Range{}, fmt.Errorf("base: %w", err)
	}
	if !isBranch(b) {
		return Range{Base: b, Head: h}, nil
	}
	mb, err := r.MergeBase(b, h)
	if err != nil {
		return Range{}, fmt.Errorf("base: %w", err)
	}
	mb.Rev = base
	return Range{Base: mb, Head: h, MergeBase: true}, nil
}

// isBranch reports whether c was named by a local or remote-tracking
// branch, and nothing else.
func isBranch(c Commit) bool {
	ref := plumbing.ReferenceName(c.Ref)
	return ref.IsBranch() || ref.IsRemote()
}

// MergeBase returns the best common ancestor of a and b, as git merge-base
// does. When there are several (criss-cross merges), it picks the newest by
// committer date, then the smallest SHA, so the choice is stable.
func (r *Repo) MergeBase(a, b Commit) (Commit, error) {
	ca, err := r.commit(a)
	if err != nil {
		return Commit{}, err
	}
	cb, err := r.commit(b)
	if err != nil {
		return Commit{}, err
	}
	if c, ok := r.shallowAncestor(ca, cb); ok {
		return Commit{SHA: c.String(), Rev: c.String()}, nil
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return Commit{}, fmt.Errorf("merge-base of %s and %s: %w", a.Rev, b.Rev, r.historyError(err))
	}
	if len(bases) == 0 {
		return Commit{}, fmt.Errorf("merge-base of %s and %s: the two share no history", a.Rev, b.Rev)
	}
	slices.SortFunc(bases, func(x, y *object.Commit) int {
		return cmp.Or(y.Committer.When.Compare(x.Committer.When), strings.Compare(x.Hash.String(), y.Hash.String()))
	})
	return Commit{SHA: bases[0].Hash.String(), Rev: bases[0].Hash.String()}, nil
}

// shallowAncestor returns whichever of a and b is an ancestor of the
// other (their merge-base) in a shallow clone, walking only the history
// fetched. go-git's merge-base reads the parents of every commit it
// reaches, so it fails on the shallow boundary even when the answer lies
// on it (a pull request's merge commit fetched with depth 2 has the base
// branch's tip there); git counts boundary commits as having no parents.
func (r *Repo) shallowAncestor(a, b *object.Commit) (plumbing.Hash, bool) {
	boundary, err := r.repo.Storer.Shallow()
	if err != nil || len(boundary) == 0 {
		return plumbing.ZeroHash, false
	}
	for _, pair := range [][2]*object.Commit{{a, b}, {b, a}} {
		if r.reaches(pair[1].Hash, pair[0].Hash, boundary) {
			return pair[0].Hash, true
		}
	}
	return plumbing.ZeroHash, false
}

// reaches reports whether target is from or one of its ancestors in the
// history present, not walking past the boundary commits.
func (r *Repo) reaches(from, target plumbing.Hash, boundary []plumbing.Hash) bool {
	seen := map[plumbing.Hash]bool{}
	for queue := []plumbing.Hash{from}; len(queue) > 0; queue = queue[1:] {
		h := queue[0]
		if h == target {
			return true
		}
		if seen[h] || slices.Contains(boundary, h) {
			continue
		}
		seen[h] = true
		c, err := r.repo.CommitObject(h)
		if err != nil {
			return false
		}
		queue = append(queue, c.ParentHashes...)
	}
	return false
}

// historyError adds the fix for a shallow clone to an error met while
// walking history.
func (r *Repo) historyError(err error) error {
	if !r.shallow() {
		return err
	}
	return fmt.Errorf("history missing in this shallow clone (fetch the full history: actions/checkout with fetch-depth: 0, or git fetch --unshallow): %w", err)
}
