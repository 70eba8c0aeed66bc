package apply

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultLockTTL is how long an apply's lock holds, unless renewed, before
// another apply may take it over with --break-lock.
const DefaultLockTTL = time.Hour

// LockOptions say who takes the locks and for how long.
type LockOptions struct {
	// Holder names who applies: user@host, or the CI run.
	Holder string
	// TTL is how long the locks hold (default DefaultLockTTL).
	TTL time.Duration
	// TakeOver takes over expired locks of others (--break-lock).
	TakeOver bool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Held is the set of locks an apply holds; KeepAlive renews them while
// the apply runs, Release gives them back.
type Held struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	taken []heldLock
}

type heldLock struct {
	driver Driver
	lock   Lock
}

// AcquireLocks takes the apply lock of every target of drivers, per
// environment in name order, LINSTOR before Apigee. When one cannot be
// taken, those already taken are released and the error says who holds
// it (a *LockedError inside).
func AcquireLocks(ctx context.Context, drivers map[Target]Driver, opts LockOptions) (*Held, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ttl := cmp.Or(opts.TTL, DefaultLockTTL)
	id, err := newLockID()
	if err != nil {
		return nil, err
	}
	h := &Held{ttl: ttl, now: now}
	for _, t := range lockOrder(drivers) {
		at := now()
		l := Lock{Env: t.Env, Holder: opts.Holder, ID: id, Acquired: at, Expires: at.Add(ttl)}
		if err := drivers[t].Lock(ctx, l, opts.TakeOver); err != nil {
			return nil, errors.Join(fmt.Errorf("lock %s %s: %w", t.Env, t.System, err), h.Release(ctx))
		}
		h.taken = append(h.taken, heldLock{driver: drivers[t], lock: l})
	}
	return h, nil
}

// Release gives back every lock, in the reverse order of taking, even when
// ctx is done (an interrupted apply still releases its locks), within
// 30 seconds.
func (h *Held) Release(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var errs []error
	for i := len(h.taken) - 1; i >= 0; i-- {
		t := h.taken[i]
		if err := unlock(rctx, t); err != nil {
			errs = append(errs, fmt.Errorf("unlock %s %s: %w", t.lock.Env, t.driver.System(), err))
		}
	}
	h.taken = nil
	return errors.Join(errs...)
}

// Renew extends every lock held to TTL from now: each driver's Lock lets
// the same holder and ID move its expiry. A lock lost meanwhile (taken over
// after it expired) fails with the *LockedError naming the new holder.
func (h *Held) Renew(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for i, t := range h.taken {
		l := t.lock
		l.Expires = h.now().Add(h.ttl)
		if err := t.driver.Lock(ctx, l, false); err != nil {
			errs = append(errs, fmt.Errorf("renew lock %s %s: %w", l.Env, t.driver.System(), err))
			continue
		}
		h.taken[i].lock = l
	}
	return errors.Join(errs...)
}

// KeepAlive renews the locks every third of their TTL until the returned
// stop is called (or ctx ends), so that an apply longer than --lock-ttl
// keeps them. A renewal that fails is tried again at the next tick; stop
// waits for a renewal in flight and returns the last failure, if the
// locks were not renewed since. lost, when not nil, is called once when a
// lock is found taken over by another apply.
func (h *Held) KeepAlive(ctx context.Context, lost func(error)) (stop func() error) {
	if h == nil {
		return func() error { return nil }
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		var last error
		tick := time.NewTicker(max(h.ttl/3, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- last
				return
			case <-tick.C:
			}
			err := h.Renew(ctx)
			if ctx.Err() != nil {
				// Stopped during the renewal: what it says is moot.
				done <- last
				return
			}
			last = err
			var le *LockedError
			if errors.As(last, &le) && lost != nil {
				lost(last)
				lost = nil
			}
		}
	}()
	return func() error {
		cancel()
		return <-done
	}
}

// unlock releases one lock, trying up to four times: releasing one's own
// lock again is harmless, and a lock left behind blocks every apply until
// it expires.
func unlock(ctx context.Context, t heldLock) error {
	var err error
	wait := 100 * time.Millisecond
	for range 4 {
		if err = t.driver.Unlock(ctx, t.lock); err == nil {
			return nil
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait *= 3
	}
	return err
}

// lockOrder is every target, by environment, LINSTOR first.
func lockOrder(drivers map[Target]Driver) []Target {
	out := make([]Target, 0, len(drivers))
	for t := range drivers {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Target) int {
		return Ref{Env: a.Env, System: a.System}.Compare(Ref{Env: b.Env, System: b.System})
	})
	return out
}

func newLockID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
