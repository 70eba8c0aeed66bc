// Package atomicfile writes files so that a reader sees the old content or
// the new, never half of one: state files, bundles and saved plans.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path with permission perm: into a temporary file in
// the same folder, synced, then renamed over path. The folder must exist.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
