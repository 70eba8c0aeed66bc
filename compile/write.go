package compile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
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

// NewManifest lists the files of sets as Write lays them out, sorted by path.
func NewManifest(sets []artifact.Set, commit string) Manifest {
	m := Manifest{Generator: "lingate", Commit: commit, Files: []ManifestFile{}}
	for _, set := range sets {
		for _, f := range setFiles(set) {
			sum := sha256.Sum256(f.Data)
			m.Files = append(m.Files, ManifestFile{Path: path.Join(set.Env, f.Path), SHA256: hex.EncodeToString(sum[:])})
		}
	}
	slices.SortFunc(m.Files, func(a, b ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	return m
}

// Write lays sets out under dir as DIR/<env>/<file> (objects' files and
// monitoring files) plus DIR/manifest.json.
// It builds the whole tree in a sibling folder first and then swaps it in,
// so dir never holds a half-written compile or files left from an older
// one. An existing dir is replaced only if it is empty or holds a lingate
// manifest.
func Write(dir string, sets []artifact.Set, commit string) error {
	if err := replaceable(dir); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("compile output %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	if err := writeTree(tmp, sets, commit); err != nil {
		return fmt.Errorf("compile output %s: %w", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("compile output %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("compile output %s: %w", dir, err)
	}
	return nil
}

// setFiles are the files of a set's objects, then its monitoring files.
func setFiles(set artifact.Set) []artifact.File {
	var out []artifact.File
	for _, o := range set.Objects {
		out = append(out, o.Files...)
	}
	return append(out, set.Monitoring...)
}

// replaceable refuses to replace a folder lingate did not write.
func replaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("compile output %s: %w", dir, err)
	}
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil || json.Unmarshal(b, &m) != nil || m.Generator != "lingate" {
		return fmt.Errorf("compile output %s: folder exists and was not written by lingate compile (expected an empty folder or an earlier compile output)", dir)
	}
	return nil
}

func writeTree(root string, sets []artifact.Set, commit string) error {
	for _, set := range sets {
		for _, f := range setFiles(set) {
			p := filepath.Join(root, set.Env, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				return err
			}
		}
	}
	b, err := json.MarshalIndent(NewManifest(sets, commit), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, ManifestName), append(b, '\n'), 0o644)
}
