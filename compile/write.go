package compile

import (
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
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/compile/linstor"
)

// ManifestName names the manifest Write puts at the top of the output folder.
const ManifestName = "manifest.json"

// Manifest lists every file of a compile with its sha256.
type Manifest struct {
	// Generator is always "lingate".
	Generator string `json:"generator"`
	// Commit is the source commit, when known.
	Commit string         `json:"commit,omitempty"`
	Files  []ManifestFile `json:"files"`
}

// ManifestFile is one written file.
type ManifestFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Options say how Write lays a compile out.
type Options struct {
	// Commit is the source commit to record in the manifest.
	Commit string
	// Unpacked also writes every proxy bundle's files unpacked, under
	// <env>/apigee/proxies/<product>/apiproxy/, for reading and linting;
	// by default only the zip Apigee imports is written.
	Unpacked bool
}

// NewManifest lists the files Write lays out for sets, sorted by path.
func NewManifest(sets []artifact.Set, opts Options) (Manifest, error) {
	m := Manifest{Generator: "lingate", Commit: opts.Commit, Files: []ManifestFile{}}
	for _, set := range sets {
		for _, o := range set.Objects {
			files, err := DiskFiles(o, opts)
			if err != nil {
				return Manifest{}, err
			}
			for _, f := range files {
				m.Files = append(m.Files, manifestFile(path.Join(set.Env, f.Path), f.Data))
			}
		}
	}
	m.sort()
	return m, nil
}

func manifestFile(p string, data []byte) ManifestFile {
	sum := sha256.Sum256(data)
	return ManifestFile{Path: p, SHA256: hex.EncodeToString(sum[:])}
}

func (m *Manifest) sort() {
	slices.SortFunc(m.Files, func(a, b ManifestFile) int { return strings.Compare(a.Path, b.Path) })
}

// DiskFiles is what Write puts on disk for o, paths relative to its
// environment's folder: the object's files, but for the unpacked copy of a
// bundle (the text files of an object that has a Binary one) unless
// opts.Unpacked, and with each LINSTOR resource group its call bodies
// (linstor.CallFiles) beside the combined file.
func DiskFiles(o artifact.Object, opts Options) ([]artifact.File, error) {
	packed := slices.ContainsFunc(o.Files, func(f artifact.File) bool { return f.Binary })
	var out []artifact.File
	for _, f := range o.Files {
		if packed && !f.Binary && !opts.Unpacked {
			continue
		}
		out = append(out, f)
		if o.System == artifact.SystemLinstor && o.Kind == artifact.KindResourceGroup {
			calls, err := linstor.CallFiles(f)
			if err != nil {
				return nil, err
			}
			out = append(out, calls...)
		}
	}
	return out, nil
}

// Write lays sets out under dir as DIR/<env>/<file> plus DIR/manifest.json
// (see Writer): the whole tree is built in a sibling folder and swapped in,
// so dir never holds a half-written compile or files left from an older one.
func Write(dir string, sets []artifact.Set, opts Options) error {
	w, err := Create(dir, opts)
	if err != nil {
		return err
	}
	for _, set := range sets {
		for _, o := range set.Objects {
			if err := w.Add(set.Env, o); err != nil {
				w.Abort()
				return err
			}
		}
	}
	return w.Close()
}

// Writer writes a compile object by object, as it is built, into a new
// folder beside dir, and swaps it in at Close. An existing dir is replaced
// only when it is empty or holds exactly what an earlier compile's manifest
// lists: the earlier files are removed only after the swap, and only those.
type Writer struct {
	dir, tmp string
	opts     Options
	// made holds the folders created under tmp, by slash path.
	made map[string]bool
	m    Manifest
	old  *Manifest
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
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("compile output %s: %w", dir, err)
	}
	tmp, err := mkdirSibling(dir, "tmp")
	if err != nil {
		return nil, fmt.Errorf("compile output %s: %w", dir, err)
	}
	m := Manifest{Generator: "lingate", Commit: opts.Commit, Files: []ManifestFile{}}
	return &Writer{dir: dir, tmp: tmp, opts: opts, made: map[string]bool{".": true}, m: m, old: old}, nil
}

// checkOut refuses an output path that names no folder or one that cannot
// be swapped out: the working folder or a root.
func checkOut(dir string) error {
	if dir == "" {
		return errors.New(`compile output "": empty path (expected the folder to write, e.g. --out build)`)
	}
	clean := filepath.Clean(dir)
	abs, err := filepath.Abs(clean)
	wd, _ := os.Getwd()
	if err != nil || filepath.Base(clean) == ".." || abs == filepath.Dir(abs) || abs == wd {
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

// Add writes the files of o (DiskFiles) for env.
func (w *Writer) Add(env string, o artifact.Object) error {
	files, err := DiskFiles(o, w.opts)
	if err != nil {
		return fmt.Errorf("compile output %s: %w", w.dir, err)
	}
	for _, f := range files {
		rel := path.Join(env, f.Path)
		if !filepath.IsLocal(filepath.FromSlash(rel)) || rel == ManifestName {
			return fmt.Errorf("compile output %s: %s %s %s: file %q is not a path inside the folder", w.dir, o.System, o.Kind, o.Name, rel)
		}
		if err := w.write(rel, f.Data); err != nil {
			return fmt.Errorf("compile output %s: %w", w.dir, err)
		}
		w.m.Files = append(w.m.Files, manifestFile(rel, f.Data))
	}
	return nil
}

// write creates one file, and its folders the first time one is needed.
func (w *Writer) write(rel string, data []byte) error {
	if err := w.mkdirs(path.Dir(rel)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.tmp, filepath.FromSlash(rel)), data, 0o644)
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

// Abort removes the new folder; dir stays as it was.
func (w *Writer) Abort() { os.RemoveAll(w.tmp) }

// Close writes the manifest, swaps the new folder in for dir, and removes
// what the earlier compile wrote.
func (w *Writer) Close() error {
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
	b, err := json.MarshalIndent(w.m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.tmp, ManifestName), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return w.swap()
}

// Files is the number of files written so far, besides the manifest.
func (w *Writer) Files() int { return len(w.m.Files) }
