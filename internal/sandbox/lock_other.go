//go:build !unix

package sandbox

import (
	"errors"
	"os"
	"path/filepath"
)

// lockFile, where flock is not available, marks the lock with a second
// file created exclusively. A process killed while serving leaves it
// behind; the error names the file to remove.
func lockFile(f *os.File) error {
	m, err := os.OpenFile(f.Name()+".held", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return errors.New("lock held: remove " + filepath.Base(f.Name()) + ".held if no process serves the folder")
	}
	return m.Close()
}

func unlockFile(f *os.File) error {
	return os.Remove(f.Name() + ".held")
}
