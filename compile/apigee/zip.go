package apigee

import (
	"archive/zip"
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/lingate/lingate/compile/artifact"
)

// zipTime is every entry's modification time: the earliest a zip can
// record, so archives of the same files are the same bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Zip archives files (paths relative to the bundle root, such as
// apiproxy/policies/Q-Product.xml) as a bundle Apigee imports: relative
// slash-separated entries in path order, a fixed time and mode, stored
// uncompressed so the bytes depend on nothing but the files.
func Zip(files []artifact.File) ([]byte, error) {
	sorted := slices.Clone(files)
	sortFiles(sorted)
	var buf bytes.Buffer
	buf.Grow(zipSize(sorted))
	w := zip.NewWriter(&buf)
	for _, f := range sorted {
		if err := addEntry(w, f); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}

// zipSize is the size of the stored archive of files, so its buffer is
// allocated once: per entry a local header (30 bytes), a data descriptor
// (16), a central directory record (46), the modification time as an
// extra field in both headers (2x9) and the name twice, then the end
// record (22).
func zipSize(files []artifact.File) int {
	n := 22
	for _, f := range files {
		n += 30 + 16 + 46 + 2*9 + 2*len(f.Path) + len(f.Data)
	}
	return n
}

// addEntry writes one file into the archive.
func addEntry(w *zip.Writer, f artifact.File) error {
	h := &zip.FileHeader{Name: f.Path, Method: zip.Store, Modified: zipTime}
	h.SetMode(0o644)
	out, err := w.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("zip %s: %w", f.Path, err)
	}
	if _, err := out.Write(f.Data); err != nil {
		return fmt.Errorf("zip %s: %w", f.Path, err)
	}
	return nil
}

// sortFiles orders files by path.
func sortFiles(files []artifact.File) {
	slices.SortFunc(files, func(a, b artifact.File) int { return cmp.Compare(a.Path, b.Path) })
}
