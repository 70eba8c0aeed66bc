package compile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lingate/lingate/compile/artifact"
)

// Writer writes a compile object by object, as it is built, into a new
// folder beside dir, and swaps it in at Close. An existing dir is replaced
// only when it is empty or holds exactly what an earlier compile's manifest
// lists: the earlier files are removed only after the swap, and only those.
//
// Files are created by GOMAXPROCS goroutines (creating a file costs far
// more than writing its bytes). A file the earlier compile wrote with the
// same sha256, and has not been changed since (same size, not modified
// after its manifest), is hard-linked into the new folder instead; so is a
// file equal to one this compile already wrote (a bundle several
// environments share).
type Writer struct {
	dir, tmp string
	opts     Options
	// made holds the folders created under tmp, by slash path.
	made map[string]bool
	old  *Manifest
	// oldSums are the earlier compile's files and sha256; oldTime is when
	// its manifest was written.
	oldSums map[string]string
	oldTime time.Time

	jobs   chan fileJob
	wg     sync.WaitGroup
	closed sync.Once

	mu  sync.Mutex
	m   Manifest
	err error
	// written are this compile's files by sha256, the first of each.
	written map[string]*writtenFile
}

// writtenFile is the first file of this compile with some content: where
// it is, and, once done is closed, whether it was made.
type writtenFile struct {
	path string
	done chan struct{}
	ok   bool
}

// fileJob is one file to create: its slash path under the new folder.
type fileJob struct {
	rel  string
	data []byte
}

// Create checks that dir may be replaced and starts the new folder.
func Create(dir string, opts Options) (*Writer, error) {
	if err := checkOut(dir); err != nil {
		return nil, err
	}
	old, err := previous(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return nil, fmt.Errorf("compile output %s: %w", dir, err)
	}
	tmp, err := mkdirSibling(dir, "tmp")
	if err != nil {
		return nil, fmt.Errorf("compile output %s: %w", dir, err)
	}
	w := &Writer{
		dir: dir, tmp: tmp, opts: opts, made: map[string]bool{".": true}, old: old,
		m:    Manifest{Generator: "lingate", Commit: opts.Commit, Files: []ManifestFile{}},
		jobs: make(chan fileJob, 64), written: map[string]*writtenFile{},
	}
	w.reusable()
	for range runtime.GOMAXPROCS(0) {
		w.wg.Go(w.work)
	}
	return w, nil
}

// reusable indexes the earlier compile's files by path.
func (w *Writer) reusable() {
	info, err := os.Stat(filepath.Join(w.dir, ManifestName))
	if w.old == nil || err != nil {
		return
	}
	w.oldTime = info.ModTime()
	w.oldSums = make(map[string]string, len(w.old.Files))
	for _, f := range w.old.Files {
		w.oldSums[f.Path] = f.SHA256
	}
}

// checkOut refuses an output path that names no folder or one that cannot
// be swapped out: the working folder, a parent of it, or a root.
func checkOut(dir string) error {
	if dir == "" {
		return errors.New(`compile output "": empty path (expected the folder to write, e.g. --out build)`)
	}
	abs, err := filepath.Abs(dir)
	wd, _ := os.Getwd()
	if err != nil || abs == filepath.Dir(abs) || abs == wd || strings.HasPrefix(wd, abs+string(filepath.Separator)) {
		return fmt.Errorf("compile output %s: cannot replace the working folder, a parent of it or a root (expected a folder of its own, e.g. --out build)", dir)
	}
	return nil
}

// mkdirSibling creates a new, empty folder beside dir, named after it, with
// mode 0755 less the umask.
func mkdirSibling(dir, kind string) (string, error) {
	for {
		p := siblingName(dir, kind)
		if err := os.Mkdir(p, 0o755); !errors.Is(err, fs.ErrExist) {
			return p, err
		}
	}
}

// siblingName is a hidden path beside dir, named after it, of the given
// kind, with a random part.
func siblingName(dir, kind string) string {
	clean := filepath.Clean(dir)
	return filepath.Join(filepath.Dir(clean), fmt.Sprintf(".%s.%s-%08x", filepath.Base(clean), kind, rand.Uint32()))
}

// Add writes the files of o (DiskFiles) for env. It returns the first
// error of any file written so far.
func (w *Writer) Add(env string, o artifact.Object) error {
	files, err := DiskFiles(o, w.opts)
	if err != nil {
		return fmt.Errorf("compile output %s: %w", w.dir, err)
	}
	return w.add(env, o.System+" "+o.Kind+" "+o.Name, files)
}

// AddFiles writes files of env that belong to no object (an environment's
// monitoring files, artifact.Set.Monitoring), as Add does.
func (w *Writer) AddFiles(env string, files []artifact.File) error {
	return w.add(env, "environment "+env, files)
}

// add queues files of env for writing; subject names their owner in errors.
func (w *Writer) add(env, subject string, files []artifact.File) error {
	for _, f := range files {
		rel := path.Join(env, f.Path)
		if !filepath.IsLocal(filepath.FromSlash(rel)) || rel == ManifestName {
			return fmt.Errorf("compile output %s: %s: file %q is not a path inside the folder", w.dir, subject, rel)
		}
		if err := w.mkdirs(path.Dir(rel)); err != nil {
			return fmt.Errorf("compile output %s: %w", w.dir, err)
		}
		w.jobs <- fileJob{rel, f.Data}
	}
	return w.firstErr()
}

// mkdirs creates the folder rel under tmp and its parents, each once.
func (w *Writer) mkdirs(rel string) error {
	if w.made[rel] {
		return nil
	}
	if err := w.mkdirs(path.Dir(rel)); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(w.tmp, filepath.FromSlash(rel)), 0o755); err != nil {
		return err
	}
	w.made[rel] = true
	return nil
}

// work creates files until the jobs end.
func (w *Writer) work() {
	for j := range w.jobs {
		sum := sha256.Sum256(j.data)
		f := ManifestFile{Path: j.rel, SHA256: hex.EncodeToString(sum[:])}
		err := w.create(f, j.data)
		w.mu.Lock()
		w.m.Files = append(w.m.Files, f)
		if err != nil && w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
}

// create makes one file of the new folder: a link to the earlier
// compile's copy when that is unchanged, else a link to an equal file
// this compile made, else a new file.
func (w *Writer) create(f ManifestFile, data []byte) error {
	p := filepath.Join(w.tmp, filepath.FromSlash(f.Path))
	if w.oldSums[f.Path] == f.SHA256 {
		old := filepath.Join(w.dir, filepath.FromSlash(f.Path))
		info, err := os.Lstat(old)
		if err == nil && info.Mode().IsRegular() && info.Size() == int64(len(data)) && !info.ModTime().After(w.oldTime) && os.Link(old, p) == nil {
			return nil
		}
	}
	first, mine := w.firstWith(f.SHA256, p)
	if !mine {
		<-first.done
		if first.ok && os.Link(first.path, p) == nil {
			return nil
		}
		return os.WriteFile(p, data, 0o644)
	}
	err := os.WriteFile(p, data, 0o644)
	first.ok = err == nil
	close(first.done)
	return err
}

// firstWith is the first file of this compile with content sum, and
// whether that is p (then the caller makes it and closes done).
func (w *Writer) firstWith(sum, p string) (*writtenFile, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if f, ok := w.written[sum]; ok {
		return f, false
	}
	f := &writtenFile{path: p, done: make(chan struct{})}
	w.written[sum] = f
	return f, true
}

func (w *Writer) firstErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return fmt.Errorf("compile output %s: %w", w.dir, w.err)
	}
	return nil
}

// finish waits for every file in flight.
func (w *Writer) finish() {
	w.closed.Do(func() {
		close(w.jobs)
		w.wg.Wait()
	})
}

// Abort removes the new folder; dir stays as it was.
func (w *Writer) Abort() {
	w.finish()
	os.RemoveAll(w.tmp)
}

// Close writes the manifest, swaps the new folder in for dir, and removes
// what the earlier compile wrote.
func (w *Writer) Close() error {
	w.finish()
	if err := w.firstErr(); err != nil {
		w.Abort()
		return err
	}
	if err := w.close(); err != nil {
		w.Abort()
		return fmt.Errorf("compile output %s: %w", w.dir, err)
	}
	return nil
}

func (w *Writer) close() error {
	w.m.sort()
	for i := 1; i < len(w.m.Files); i++ {
		if w.m.Files[i].Path == w.m.Files[i-1].Path {
			return fmt.Errorf("%s written twice", w.m.Files[i].Path)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(w.m); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.tmp, ManifestName), b.Bytes(), 0o644); err != nil {
		return err
	}
	return w.swap()
}

// Files is the number of files written so far, besides the manifest.
func (w *Writer) Files() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.m.Files)
}
