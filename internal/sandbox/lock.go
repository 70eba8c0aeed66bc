package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the lock file in a state folder: it exists while a process
// serves the folder, and holds that process's id.
const LockFile = "lock"

// ErrLocked is wrapped by LockState's error when another process holds the
// state folder.
var ErrLocked = errors.New("state folder in use by another process")

// LockState takes the lock of the state folder dir, creating the folder, so
// two processes never serve one state. The lock is an advisory file lock
// that the system releases when the process ends, however it ends; a lock
// file left by a killed process does not block. release gives the lock up.
func LockState(dir string) (release func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox %s: lock: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: lock: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		holder := readHolder(path)
		f.Close()
		return nil, fmt.Errorf("sandbox %s: %w (%s holds %s; stop it first, or serve another folder)", dir, ErrLocked, holder, path)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		// Empty the file before unlocking, so no one reads a stale holder.
		_ = f.Truncate(0)
		return errors.Join(unlockFile(f), f.Close())
	}, nil
}

func readHolder(path string) string {
	b, err := os.ReadFile(path)
	pid := strings.TrimSpace(string(b))
	if err != nil || pid == "" {
		return "another process"
	}
	return "process " + pid
}
