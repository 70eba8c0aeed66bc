// Package gitsrc reads a commit's policies folder straight from a git
// repository's object store with go-git, as an fs.FS: no checkout, so the
// work tree may hold anything. It resolves the revisions users type (full
// and short SHAs, branches, tags, HEAD~1) and the merge-base a pull request
// is compared against, and explains what is missing in a shallow clone.
package gitsrc

import (
	"errors"
	"fmt"
	"io"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ShortLen is how many hex digits of a SHA messages show.
const ShortLen = 7

// Repo is a git repository opened for reading commits.
type Repo struct {
	repo *git.Repository
	root string
}

// Commit is a resolved revision.
type Commit struct {
	// SHA is the full hex object name.
	SHA string
	// Rev is what the user asked for, such as "main" or "HEAD~1".
	Rev string
	// Ref is the full name of the reference Rev is, such as
	// refs/heads/main or refs/tags/v1; empty when Rev is a SHA or an
	// expression such as main~1.
	Ref string
}

// Short is the commit's abbreviated SHA.
func (c Commit) Short() string { return c.SHA[:min(ShortLen, len(c.SHA))] }

// Open opens the repository that holds path: a work tree or any folder
// inside it, a linked worktree, or a bare repository.
func Open(path string) (*Repo, error) {
	repo, err := git.PlainOpenWithOptions(path, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		repo, err = git.PlainOpenWithOptions(path, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if err != nil {
		return nil, fmt.Errorf("git repository at %s: %w", path, err)
	}
	r := &Repo{repo: repo}
	if wt, err := repo.Worktree(); err == nil {
		r.root = wt.Filesystem.Root()
	}
	return r, nil
}

// Root is the work tree's root folder, or "" for a bare repository.
func (r *Repo) Root() string { return r.root }

// Resolve finds the commit that rev names: a full or short SHA, a branch, a
// remote branch, a tag, or an expression such as HEAD~1 (~N, ^N,
// ^{commit}, ^{/text} after a name). It resolves names as git does, but
// refuses a name git would only warn about (a branch and a tag of that
// name, a name that is also a short SHA, a short SHA of several commits)
// and the forms go-git would misread (reflogs, upstreams, trees, paths).
func (r *Repo) Resolve(rev string) (Commit, error) {
	name, steps, err := splitRev(rev)
	if err != nil {
		return Commit{}, fmt.Errorf("revision %q: %w", rev, err)
	}
	m, err := r.resolveName(name)
	if errors.Is(err, errNoName) {
		return Commit{}, r.notFound(rev, plumbing.ErrReferenceNotFound, r.remoteTwins(name)...)
	}
	if err != nil {
		return Commit{}, fmt.Errorf("revision %q: %w", rev, err)
	}
	h, err := r.repo.ResolveRevision(plumbing.Revision(m.hash.String() + steps))
	if err != nil {
		return Commit{}, r.notFound(rev, err)
	}
	c := Commit{SHA: h.String(), Rev: rev}
	if steps == "" {
		c.Ref = string(m.ref)
	}
	return c, nil
}

// notFound explains why rev could not be resolved; in a shallow clone the
// commit is most likely older than the fetched history. twins are the
// remote-tracking branches of the name rev would be as a local branch.
func (r *Repo) notFound(rev string, err error, twins ...string) error {
	const msg = "revision %q: not found (expected a commit SHA, a branch, a tag, or an expression such as HEAD~1)"
	switch {
	case len(twins) > 0:
		return fmt.Errorf(msg+": there is no local branch %s, but there is %s (CI checkouts fetch remote-tracking branches only)",
			rev, rev, strings.Join(twins, " and "))
	case r.shallow():
		return fmt.Errorf("revision %q: not found in this shallow clone, whose history is cut short (fetch the full history: "+
			"actions/checkout with fetch-depth: 0, or git fetch --unshallow): %w", rev, err)
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		return fmt.Errorf(msg, rev)
	case errors.Is(err, io.EOF):
		return fmt.Errorf(msg+": the history has no such ancestor", rev)
	}
	return fmt.Errorf(msg+": %w", rev, err)
}

// shallow reports whether the repository is a shallow clone.
func (r *Repo) shallow() bool {
	s, err := r.repo.Storer.Shallow()
	return err == nil && len(s) > 0
}

// commit reads a resolved commit's object.
func (r *Repo) commit(c Commit) (*object.Commit, error) {
	obj, err := r.repo.CommitObject(plumbing.NewHash(c.SHA))
	if err != nil {
		return nil, r.notFound(c.Rev, err)
	}
	return obj, nil
}
