package gitsrc

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// memFS is a read-only in-memory file system of the files read from a tree.
// Folders are listed in name order; every file is a regular, read-only file.
type memFS struct {
	nodes map[string]*node
}

// node is one file or folder.
type node struct {
	name     string
	data     []byte
	dir      bool
	children []string // base names, kept sorted
}

func newMemFS() *memFS {
	return &memFS{nodes: map[string]*node{".": {name: ".", dir: true}}}
}

// addDir adds folder name and its parents.
func (m *memFS) addDir(name string) {
	if _, ok := m.nodes[name]; ok {
		return
	}
	m.nodes[name] = &node{name: path.Base(name), dir: true}
	m.link(name)
}

// addFile adds file name, and its parents.
func (m *memFS) addFile(name string, data []byte) {
	m.nodes[name] = &node{name: path.Base(name), data: data}
	m.link(name)
}

// link lists name in its parent folder, creating the parent if needed.
func (m *memFS) link(name string) {
	parent := path.Dir(name)
	m.addDir(parent)
	p := m.nodes[parent]
	base := path.Base(name)
	if i, found := slices.BinarySearch(p.children, base); !found {
		p.children = slices.Insert(p.children, i, base)
	}
}

// Open implements fs.FS.
func (m *memFS) Open(name string) (fs.File, error) {
	n, err := m.lookup("open", name)
	if err != nil {
		return nil, err
	}
	return &openFile{node: n, fsys: m, path: name}, nil
}

// ReadFile implements fs.ReadFileFS.
func (m *memFS) ReadFile(name string) ([]byte, error) {
	n, err := m.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	return slices.Clone(n.data), nil
}

// ReadDir implements fs.ReadDirFS.
func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := m.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return m.entries(name, n), nil
}

// Stat implements fs.StatFS.
func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	n, err := m.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return info{n}, nil
}

func (m *memFS) lookup(op, name string) (*node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, ok := m.nodes[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return n, nil
}

func (m *memFS) entries(dir string, n *node) []fs.DirEntry {
	out := make([]fs.DirEntry, len(n.children))
	for i, c := range n.children {
		out[i] = fs.FileInfoToDirEntry(info{m.nodes[path.Join(dir, c)]})
	}
	return out
}

// info describes a node.
type info struct{ n *node }

// Name implements fs.FileInfo.
func (i info) Name() string { return i.n.name }

// Size implements fs.FileInfo.
func (i info) Size() int64 { return int64(len(i.n.data)) }

// ModTime implements fs.FileInfo.
func (i info) ModTime() time.Time { return time.Time{} }

// IsDir implements fs.FileInfo.
func (i info) IsDir() bool { return i.n.dir }

// Sys implements fs.FileInfo.
func (i info) Sys() any { return nil }

// Mode implements fs.FileInfo.
func (i info) Mode() fs.FileMode {
	if i.n.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

// openFile is an open node: readable if a file, listable if a folder.
type openFile struct {
	*node
	fsys   *memFS
	path   string
	offset int64
	listed int
}

// Stat implements fs.File.
func (f *openFile) Stat() (fs.FileInfo, error) { return info{f.node}, nil }

// Close implements fs.File.
func (f *openFile) Close() error { return nil }

// Read implements fs.File.
func (f *openFile) Read(b []byte) (int, error) {
	if f.dir {
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: fs.ErrInvalid}
	}
	if f.offset >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.offset:])
	f.offset += int64(n)
	return n, nil
}

// ReadDir implements fs.ReadDirFile.
func (f *openFile) ReadDir(count int) ([]fs.DirEntry, error) {
	if !f.dir {
		return nil, &fs.PathError{Op: "readdir", Path: f.path, Err: fs.ErrInvalid}
	}
	all := f.fsys.entries(f.path, f.node)[f.listed:]
	if count <= 0 {
		f.listed += len(all)
		return all, nil
	}
	if len(all) == 0 {
		return nil, io.EOF
	}
	all = all[:min(count, len(all))]
	f.listed += len(all)
	return all, nil
}
