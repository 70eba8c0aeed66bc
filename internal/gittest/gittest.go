// Package gittest builds real git repositories for tests, commit by commit,
// with go-git. Authors and dates are fixed, so the same steps give the same
// commit SHAs on every run and goldens may hold them.
package gittest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Epoch is the date of a repository's first commit; each later commit is
// one minute later.
func Epoch() time.Time { return time.Date(2026, time.January, 2, 3, 4, 5, 0, time.UTC) }

// Repo is a git repository in a temporary folder with a work tree.
type Repo struct {
	// Dir is the work tree; its .git folder holds the repository.
	Dir     string
	t       testing.TB
	repo    *git.Repository
	commits int
	// hasEmptyTree is set once the tree of grafted commits is stored.
	hasEmptyTree bool
}

// New creates an empty repository on branch main in a temporary folder
// that the test removes when it ends.
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatalf("gittest: init %s: %v", dir, err)
	}
	return &Repo{Dir: dir, t: t, repo: repo}
}

// Git is the go-git repository, for what the helpers do not cover.
func (r *Repo) Git() *git.Repository { return r.repo }

// Write writes files into the work tree: slash-separated paths relative to
// the repository's root, mapped to their content.
func (r *Repo) Write(files map[string]string) *Repo {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.Dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatalf("gittest: write %s: %v", name, err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatalf("gittest: write %s: %v", name, err)
		}
	}
	return r
}

// Remove deletes files or folders from the work tree.
func (r *Repo) Remove(names ...string) *Repo {
	r.t.Helper()
	for _, name := range names {
		if err := os.RemoveAll(filepath.Join(r.Dir, filepath.FromSlash(name))); err != nil {
			r.t.Fatalf("gittest: remove %s: %v", name, err)
		}
	}
	return r
}

// Symlink makes name a symbolic link to target in the work tree.
func (r *Repo) Symlink(name, target string) *Repo {
	r.t.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatalf("gittest: symlink %s: %v", name, err)
	}
	if err := os.Symlink(target, p); err != nil {
		r.t.Fatalf("gittest: symlink %s: %v", name, err)
	}
	return r
}

// Commit stages every change in the work tree (new, changed and removed
// files) and commits it on the current branch. It returns the full SHA.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	wt := r.worktree()
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatalf("gittest: stage: %v", err)
	}
	return r.commitIndex(wt, msg)
}

// CommitGitlink commits a submodule entry (a gitlink to commit sha) at
// name, with no files of its own, as `git submodule add` would record it.
func (r *Repo) CommitGitlink(name, sha, msg string) string {
	r.t.Helper()
	idx, err := r.repo.Storer.Index()
	if err != nil {
		r.t.Fatalf("gittest: index: %v", err)
	}
	e := idx.Add(name)
	e.Mode = filemode.Submodule
	e.Hash = plumbing.NewHash(sha)
	if err := r.repo.Storer.SetIndex(idx); err != nil {
		r.t.Fatalf("gittest: index: %v", err)
	}
	return r.commitIndex(r.worktree(), msg)
}

func (r *Repo) commitIndex(wt *git.Worktree, msg string) string {
	r.t.Helper()
	sig := r.signature()
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		r.t.Fatalf("gittest: commit %q: %v", msg, err)
	}
	r.commits++
	return h.String()
}

// signature is the fixed author of every commit, one minute apart.
func (r *Repo) signature() *object.Signature {
	when := Epoch().Add(time.Duration(r.commits) * time.Minute)
	return &object.Signature{Name: "Lingate Test", Email: "test@lingate.invalid", When: when}
}

// Branch creates branch name at the current commit and switches to it.
func (r *Repo) Branch(name string) *Repo {
	r.t.Helper()
	err := r.worktree().Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true, Keep: true})
	if err != nil {
		r.t.Fatalf("gittest: branch %s: %v", name, err)
	}
	return r
}

// Checkout switches the work tree to branch name.
func (r *Repo) Checkout(name string) *Repo {
	r.t.Helper()
	if err := r.worktree().Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Force: true}); err != nil {
		r.t.Fatalf("gittest: checkout %s: %v", name, err)
	}
	return r
}

// Tag creates a lightweight tag name at the current commit.
func (r *Repo) Tag(name string) *Repo {
	r.t.Helper()
	head, err := r.repo.Head()
	if err != nil {
		r.t.Fatalf("gittest: tag %s: %v", name, err)
	}
	if _, err := r.repo.CreateTag(name, head.Hash(), nil); err != nil {
		r.t.Fatalf("gittest: tag %s: %v", name, err)
	}
	return r
}

// AnnotatedTag creates an annotated tag name at the current commit.
func (r *Repo) AnnotatedTag(name, msg string) *Repo {
	r.t.Helper()
	head, err := r.repo.Head()
	if err != nil {
		r.t.Fatalf("gittest: tag %s: %v", name, err)
	}
	r.AnnotatedTagAt(name, head.Hash().String(), msg)
	return r
}

// ShallowClone clones r with only the newest depth commits of its current
// branch, as a CI checkout with fetch-depth: depth does. It needs git's
// upload-pack, which go-git's local transport runs.
func (r *Repo) ShallowClone(depth int) *Repo {
	r.t.Helper()
	dir := r.t.TempDir()
	repo, err := git.PlainClone(dir, false, &git.CloneOptions{URL: r.Dir, Depth: depth, Tags: git.NoTags})
	if err != nil {
		r.t.Fatalf("gittest: shallow clone of %s: %v", r.Dir, err)
	}
	return &Repo{Dir: dir, t: r.t, repo: repo, commits: r.commits}
}

// AddRemoteBranch records sha as refs/remotes/<remote>/<branch>, as a fetch would.
func (r *Repo) AddRemoteBranch(remote, branch, sha string) *Repo {
	r.t.Helper()
	ref := plumbing.NewHashReference(plumbing.NewRemoteReferenceName(remote, branch), plumbing.NewHash(sha))
	if err := r.repo.Storer.SetReference(ref); err != nil {
		r.t.Fatalf("gittest: remote branch %s/%s: %v", remote, branch, err)
	}
	return r
}

// SetRef points the reference name (in full, such as refs/tags/v1 or
// refs/remotes/pull/1/merge) at sha, as a fetch or `git update-ref` would.
func (r *Repo) SetRef(name, sha string) *Repo {
	r.t.Helper()
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), plumbing.NewHash(sha))); err != nil {
		r.t.Fatalf("gittest: ref %s: %v", name, err)
	}
	return r
}

// Twins stores two commits whose SHAs start with the same digits hex
// digits (at most 6, which takes a few thousand tries): children of HEAD
// with its tree, on no branch. It tries commit messages one after the
// other, so the pair is the same on every run.
func (r *Repo) Twins(digits int) (string, string) {
	r.t.Helper()
	if digits < 1 || digits > 6 {
		r.t.Fatalf("gittest: twins sharing %d digits: expected 1 to 6", digits)
	}
	head, err := r.repo.Head()
	if err != nil {
		r.t.Fatalf("gittest: twins: %v", err)
	}
	parent, err := r.repo.CommitObject(head.Hash())
	if err != nil {
		r.t.Fatalf("gittest: twins: %v", err)
	}
	seen := map[string]*plumbing.MemoryObject{}
	for i := 0; ; i++ {
		obj := r.child(parent, fmt.Sprintf("twin %d", i))
		prefix := obj.Hash().String()[:digits]
		if first, ok := seen[prefix]; ok {
			return r.store(first), r.store(obj)
		}
		seen[prefix] = obj
	}
}

// Graft stores a commit with the given parents (full SHAs; none makes a
// root) on no branch, dated like the next commit, and returns its SHA. Its
// tree is empty: it shapes history, as merges and unrelated roots do, for
// tests of merge-bases and revisions. A parent need not be stored, which
// makes history that cannot be walked.
func (r *Repo) Graft(msg string, parents ...string) string {
	r.t.Helper()
	sha := r.GraftAt(r.signature().When, msg, parents...)
	r.commits++
	return sha
}

// GraftAt is Graft with the author and committer date when, so that
// several commits may share one.
func (r *Repo) GraftAt(when time.Time, msg string, parents ...string) string {
	r.t.Helper()
	r.storeEmptyTree()
	return r.store(r.graft(when, msg, parents))
}

// storeEmptyTree stores the tree of grafted commits, once.
func (r *Repo) storeEmptyTree() {
	if r.hasEmptyTree {
		return
	}
	r.hasEmptyTree = true
	tree := &plumbing.MemoryObject{}
	if err := (&object.Tree{}).Encode(tree); err != nil || tree.Hash() != emptyTree {
		r.t.Fatalf("gittest: encode the empty tree: %v", err)
	}
	r.store(tree)
}

// graft encodes a commit of the empty tree with parents.
func (r *Repo) graft(when time.Time, msg string, parents []string) *plumbing.MemoryObject {
	sig := object.Signature{Name: "Lingate Test", Email: "test@lingate.invalid", When: when}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: emptyTree}
	for _, p := range parents {
		c.ParentHashes = append(c.ParentHashes, plumbing.NewHash(p))
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		r.t.Fatalf("gittest: encode commit: %v", err)
	}
	return obj
}

// emptyTree is the SHA of the tree with no entries.
var emptyTree = plumbing.NewHash("4b825dc642cb6eb9a060e54bf8d69288fbee4904")

// GraftPrefixed is Graft of a commit whose SHA starts with prefix (at most
// 4 hex digits, which takes some ten thousand tries): it tries messages
// one after the other, so the commit is the same on every run.
func (r *Repo) GraftPrefixed(prefix string, parents ...string) string {
	r.t.Helper()
	if len(prefix) > 4 {
		r.t.Fatalf("gittest: a SHA starting %s: expected at most 4 hex digits", prefix)
	}
	when := r.signature().When
	for i := 0; ; i++ {
		msg := fmt.Sprintf("prefixed %d", i)
		if obj := r.graft(when, msg, parents); strings.HasPrefix(obj.Hash().String(), prefix) {
			r.commits++
			r.storeEmptyTree()
			return r.store(obj)
		}
	}
}

// AnnotatedTagAt creates an annotated tag name of commit sha and returns
// the tag object's SHA.
func (r *Repo) AnnotatedTagAt(name, sha, msg string) string {
	r.t.Helper()
	ref, err := r.repo.CreateTag(name, plumbing.NewHash(sha), &git.CreateTagOptions{Tagger: r.signature(), Message: msg})
	if err != nil {
		r.t.Fatalf("gittest: tag %s: %v", name, err)
	}
	return ref.Hash().String()
}

// child encodes a commit with parent's tree and parent as its parent.
func (r *Repo) child(parent *object.Commit, msg string) *plumbing.MemoryObject {
	sig := r.signature()
	c := &object.Commit{Author: *sig, Committer: *sig, Message: msg, TreeHash: parent.TreeHash, ParentHashes: []plumbing.Hash{parent.Hash}}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		r.t.Fatalf("gittest: encode commit: %v", err)
	}
	return obj
}

// store saves an encoded object and returns its SHA.
func (r *Repo) store(obj *plumbing.MemoryObject) string {
	h, err := r.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		r.t.Fatalf("gittest: store object: %v", err)
	}
	return h.String()
}

func (r *Repo) worktree() *git.Worktree {
	r.t.Helper()
	wt, err := r.repo.Worktree()
	if err != nil {
		r.t.Fatalf("gittest: work tree: %v", err)
	}
	return wt
}
