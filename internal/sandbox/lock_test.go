package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLockStateRefusesASecondHolder: while one holder has the folder, a
// second is refused with ErrLocked naming the holder; after release the
// folder can be locked again; a lock file left behind (by a killed
// process) does not block.
func TestLockStateRefusesASecondHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	release, err := LockState(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockState(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v, want ErrLocked naming this process", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte("999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := LockState(dir)
	if err != nil {
		t.Fatalf("a lock file nobody holds blocked: %v", err)
	}
	again()
}

// TestServeLocksTheStateFolder: a second Serve of the same folder fails
// while the first runs, and succeeds after it stopped.
func TestServeLocksTheStateFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sandbox")
	_, stop := serve(t, dir, Seed{})
	sb, err := Open(dir, Seed{})
	if err != nil {
		t.Fatal(err)
	}
	err = sb.Serve(t.Context(), ServeOptions{ApigeeAddr: "127.0.0.1:0", LinstorAddr: "127.0.0.1:0"}, nil)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second serve: %v, want ErrLocked", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = serve(t, dir, Seed{})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
