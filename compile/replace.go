package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// notOurs is the refusal of an output folder lingate did not write.
const notOurs = "folder exists and was not written by lingate compile"

// previous reads what an existing output folder dir holds: nil when it does
// not exist, an empty manifest when it is an empty folder, the earlier
// compile's manifest otherwise. Anything in dir that manifest does not list
// (a file, folder or link) is refused, by name.
func previous(dir string) (*Manifest, error) {
	info, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("compile output %s: %w", dir, err)
	case !info.IsDir():
		return nil, fmt.Errorf("compile output %s: is a %s (expected a folder, or a path that does not exist yet)", dir, kindOf(info.Mode()))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compile output %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return &Manifest{}, nil
	}
	m, err := readManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("compile output %s: %s: it holds %s and %v (expected an empty folder or an earlier compile output)", dir, notOurs, entries[0].Name(), err)
	}
	if err := onlyListed(dir, m); err != nil {
		return nil, fmt.Errorf("compile output %s: %s", dir, err)
	}
	return m, nil
}

// readManifest reads and checks dir's lingate manifest.
func readManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, errors.New("no readable " + ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Generator != "lingate" {
		return nil, errors.New(ManifestName + " is not a lingate manifest")
	}
	for _, f := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(f.Path)) || path.Clean(f.Path) != f.Path || f.Path == ManifestName {
			return nil, fmt.Errorf("%s lists %q, not a file inside the folder", ManifestName, f.Path)
		}
	}
	return &m, nil
}

// onlyListed walks dir and refuses the first entry, in path order, that m
// neither lists nor needs as a folder of what it lists.
func onlyListed(dir string, m *Manifest) error {
	files, folders := m.paths()
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".":
			return nil
		case d.IsDir() && folders[rel]:
			return nil
		case d.Type().IsRegular() && (files[rel] || rel == ManifestName):
			return nil
		}
		return fmt.Errorf("%s was not written by lingate compile (a %s its %s does not list; move it elsewhere or choose another --out folder)", rel, kindOf(d.Type()), ManifestName)
	})
}

// paths is the set of files m lists and the set of their folders.
func (m *Manifest) paths() (files, folders map[string]bool) {
	files, folders = map[string]bool{}, map[string]bool{}
	for _, f := range m.Files {
		files[f.Path] = true
		for d := path.Dir(f.Path); d != "." && !folders[d]; d = path.Dir(d) {
			folders[d] = true
		}
	}
	return files, folders
}

// kindOf names a file mode for errors.
func kindOf(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "folder"
	case mode&fs.ModeSymlink != 0:
		return "symbolic link"
	case mode.IsRegular():
		return "file"
	}
	return "special file"
}

// swap puts the new folder in dir's place. An earlier compile is moved
// aside first and then removed file by file as its manifest lists them, so
// nothing else is ever deleted.
func (w *Writer) swap() error {
	if w.old == nil {
		return os.Rename(w.tmp, w.dir)
	}
	aside := siblingName(w.dir, "old")
	if err := os.Rename(w.dir, aside); err != nil {
		return err
	}
	if err := os.Rename(w.tmp, w.dir); err != nil {
		return errors.Join(err, os.Rename(aside, w.dir))
	}
	if err := removeListed(aside, w.old); err != nil {
		return fmt.Errorf("written; the earlier compile, moved to %s, was not removed: %w", aside, err)
	}
	return nil
}

// removeListed removes from dir the files m lists, its manifest, then the
// folders they leave empty, deepest first, and dir itself. A folder still
// holding something else is an error.
func removeListed(dir string, m *Manifest) error {
	files, folders := m.paths()
	if len(m.Files) > 0 {
		files[ManifestName] = true
	}
	for f := range files {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	order := slices.Collect(maps.Keys(folders))
	slices.SortFunc(order, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range append(order, ".") {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(d))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
