package compile

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
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
		for _, f := range set.Monitoring {
			m.Files = append(m.Files, manifestFile(path.Join(set.Env, f.Path), f.Data))
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
		if err := w.AddFiles(set.Env, set.Monitoring); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}
