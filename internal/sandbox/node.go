package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/lingate/lingate/internal/emulator/linstor"
)

// SetNodeOnline fails (online false) or restores a node of the emulated
// LINSTOR cluster whose state is in dir. When a process serves dir (a
// `sandbox serve`), the change goes to it over HTTP at linstorURL;
// otherwise the state file is changed under the folder's lock, waiting up
// to wait for a process that holds it briefly (`lingate serve` reading a
// sandbox) to let go. A state not yet made is seeded with seed.
func SetNodeOnline(ctx context.Context, dir string, seed Seed, linstorURL, node string, online bool, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		release, err := LockState(dir)
		if err == nil {
			return errors.Join(setInState(dir, seed, node, online), release())
		}
		if !errors.Is(err, ErrLocked) {
			return err
		}
		if linstorURL != "" {
			if cerr := controlNode(ctx, linstorURL, node, online); cerr == nil || !unreachable(cerr) {
				return cerr
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w; and no sandbox serve answers at %s", err, orNone(linstorURL))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond): // serve holds the lock only while it reads
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(no --linstor-addr)"
	}
	return s
}

// setInState changes the node in the state file; the caller holds the lock.
func setInState(dir string, seed Seed, node string, online bool) error {
	file := filepath.Join(dir, LinstorStateFile)
	srv, err := linstor.New(linstor.Config{StateFile: file, Pools: seed.Pools, PoolProviders: seed.Providers})
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", dir, err)
	}
	if err := srv.SetNodeOnline(node, online); err != nil {
		return fmt.Errorf("sandbox %s: %w", dir, err)
	}
	return nil
}

// unreachableError is a control call that got no answer.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

func unreachable(err error) bool {
	var u *unreachableError
	return errors.As(err, &u)
}

// controlNode asks the emulator served at base to fail or restore node.
func controlNode(ctx context.Context, base, node string, online bool) error {
	action := "fail"
	if online {
		action = "restore"
	}
	u := strings.TrimSuffix(base, "/") + linstor.ControlPrefix + "nodes/" + node + "/" + action
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("sandbox node %s: %w", node, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &unreachableError{fmt.Errorf("sandbox node %s: %w", node, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("sandbox node %s: %s at %s: HTTP %d: %s", node, action, base, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
