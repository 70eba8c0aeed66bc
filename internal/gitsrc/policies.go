package gitsrc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/lingate/lingate/schema"
)

// ErrNoPolicies is returned, wrapped, when the policies folder does not
// exist at a commit.
var ErrNoPolicies = errors.New("policies folder not present")

// Policies returns the folder dir of commit c as an fs.FS whose files keep
// their paths from the repository's root, so schema.Load(fsys, dir) reads
// them and positions name them as in the work tree. dir is slash-separated
// and relative to the root ("." is the whole tree).
//
// Blobs are read raw: no line-ending conversion, no filters. Symbolic links
// and submodules are refused (a link's blob is its target's name, and
// submodule contents are not in this repository): the error is
// schema.Errors naming each at "<short sha>:<path>". Like the policy loader,
// it passes over names starting with "." or "_", and it holds only the .cue
// files: others are never read, however large.
func (r *Repo) Policies(c Commit, dir string) (fs.FS, error) {
	if !fs.ValidPath(dir) {
		return nil, fmt.Errorf("policies folder %q: expected a slash-separated path inside the repository", dir)
	}
	tree, err := r.tree(c, dir)
	if err != nil {
		return nil, err
	}
	m := newMemFS()
	w := walker{r: r, c: c, fs: m}
	if err := w.walk(tree, dir); err != nil {
		return nil, err
	}
	if len(w.errs) > 0 {
		return nil, w.errs.Sort()
	}
	return m, nil
}

// tree reads the tree of folder dir at commit c.
func (r *Repo) tree(c Commit, dir string) (*object.Tree, error) {
	obj, err := r.commit(c)
	if err != nil {
		return nil, err
	}
	root, err := obj.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: tree: %w", c.Short(), r.historyError(err))
	}
	if dir == "." {
		return root, nil
	}
	tree, at := root, ""
	for _, name := range strings.Split(dir, "/") {
		at = path.Join(at, name)
		i := slices.IndexFunc(tree.Entries, func(e object.TreeEntry) bool { return e.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%s at commit %s: %w", dir, c.Short(), ErrNoPolicies)
		}
		if e := tree.Entries[i]; e.Mode != filemode.Dir {
			return nil, r.notAFolder(c, e, at)
		}
		if tree, err = r.repo.TreeObject(tree.Entries[i].Hash); err != nil {
			return nil, fmt.Errorf("%s at commit %s: %w", dir, c.Short(), r.historyError(err))
		}
	}
	return tree, nil
}

// notAFolder refuses the entry e at path at, found where the policies
// folder (or a folder holding it) should be: a symbolic link, a submodule
// or a file is not taken as an absent folder.
func (r *Repo) notAFolder(c Commit, e object.TreeEntry, at string) error {
	msg := "a file (expected the policies folder)"
	switch e.Mode {
	case filemode.Symlink:
		target, err := r.blob(c, e.Hash, at)
		if err != nil {
			return err
		}
		msg = fmt.Sprintf("symbolic link to %q is refused (expected the policies folder: name the folder it points to with --policies)", target)
	case filemode.Submodule:
		msg = submodule(e)
	}
	return schema.Errors{refusal(c, at, msg)}
}

// submodule explains why the submodule entry e is refused.
func submodule(e object.TreeEntry) string {
	return fmt.Sprintf("submodule (at commit %.7s) is refused: its files are not in this repository (expected policy files committed here)", e.Hash)
}

// refusal is the error for what lies at name at commit c.
func refusal(c Commit, name, msg string) schema.Error {
	return schema.Error{Commit: c.Short(), Pos: schema.Position{File: name}, Msg: msg}
}

// walker copies a tree into a memFS, collecting refused entries.
type walker struct {
	r    *Repo
	c    Commit
	fs   *memFS
	errs schema.Errors
}

// walk adds the entries of tree, which lies at dir.
func (w *walker) walk(tree *object.Tree, dir string) error {
	w.fs.addDir(dir)
	for _, e := range tree.Entries {
		if strings.HasPrefix(e.Name, ".") || strings.HasPrefix(e.Name, "_") {
			continue
		}
		if err := w.entry(e, path.Join(dir, e.Name)); err != nil {
			return err
		}
	}
	return nil
}

// entry adds one tree entry at name.
func (w *walker) entry(e object.TreeEntry, name string) error {
	switch e.Mode {
	case filemode.Dir:
		sub, err := w.r.repo.TreeObject(e.Hash)
		if err != nil {
			return fmt.Errorf("%s at commit %s: %w", name, w.c.Short(), err)
		}
		return w.walk(sub, name)
	case filemode.Regular, filemode.Executable:
		if path.Ext(name) != ".cue" {
			return nil // only policies are read: a folder may hold large files of other kinds
		}
		data, err := w.r.blob(w.c, e.Hash, name)
		if err != nil {
			return err
		}
		w.fs.addFile(name, data)
	case filemode.Symlink:
		target, err := w.r.blob(w.c, e.Hash, name)
		if err != nil {
			return err
		}
		w.refuse(name, fmt.Sprintf("symbolic link to %q is refused (expected a regular file: copy it or move it here)", target))
	case filemode.Submodule:
		w.refuse(name, submodule(e))
	default:
		w.refuse(name, fmt.Sprintf("unsupported file mode %v (expected a regular file or folder)", e.Mode))
	}
	return nil
}

func (w *walker) refuse(name, msg string) {
	w.errs = append(w.errs, refusal(w.c, name, msg))
}

// blob reads the raw content of the blob h, which lies at name at commit c.
func (r *Repo) blob(c Commit, h plumbing.Hash, name string) ([]byte, error) {
	b, err := r.repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("%s at commit %s: %w", name, c.Short(), err)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("%s at commit %s: %w", name, c.Short(), err)
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("%s at commit %s: %w", name, c.Short(), err)
	}
	return data, nil
}

// TreeID returns the object name of folder dir at commit c, or "" when the
// folder is absent there. Two commits with the same TreeID hold the same
// policies, byte for byte.
func (r *Repo) TreeID(c Commit, dir string) (string, error) {
	if !fs.ValidPath(dir) {
		return "", fmt.Errorf("policies folder %q: expected a slash-separated path inside the repository", dir)
	}
	tree, err := r.tree(c, dir)
	if errors.Is(err, ErrNoPolicies) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return tree.Hash.String(), nil
}
