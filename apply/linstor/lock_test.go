package linstor

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
)

func lockOf(id, holder string, acquired time.Time, ttl time.Duration) apply.Lock {
	return apply.Lock{Env: "sandbox", Holder: holder, ID: id, Acquired: acquired, Expires: acquired.Add(ttl)}
}

// heldLock reads the lock property as another process would.
func heldLock(t *testing.T, d *Driver) (apply.Lock, bool) {
	t.Helper()
	l, found, err := d.readLock(context.Background(), LockPrefix+"sandbox")
	if err != nil {
		t.Fatal(err)
	}
	return l, found
}

// twoHolders are two drivers of sandbox on one cluster whose clock is
// *clock, which the test moves.
func twoHolders(t *testing.T) (a, b *Driver, clock *time.Time) {
	t.Helper()
	c := newCluster(t)
	now := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	a, b = c.driver(t, "sandbox"), c.driver(t, "sandbox")
	a.now = func() time.Time { return now }
	b.now = a.now
	return a, b, &now
}

// TestLockContentionExpiryTakeover: a second holder is refused while the
// first lock holds, refused again once it expired unless it takes over,
// and the first holder's Unlock then leaves the new lock alone.
func TestLockContentionExpiryTakeover(t *testing.T) {
	ctx := context.Background()
	a, b, clock := twoHolders(t)
	la := lockOf("id-a", "alice@ci", *clock, 10*time.Minute)
	lb := lockOf("id-b", "bob@laptop", *clock, 10*time.Minute)
	if err := a.Lock(ctx, la, false); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock(ctx, la, false); err != nil {
		t.Fatalf("the holder cannot take its own lock again: %v", err)
	}
	var le *apply.LockedError
	err := b.Lock(ctx, lb, true)
	if !errors.As(err, &le) || le.Expired || le.Held.Holder != "alice@ci" {
		t.Fatalf("want a LockedError naming alice, not expired; got %v", err)
	}
	*clock = clock.Add(11 * time.Minute)
	err = b.Lock(ctx, lb, false)
	if !errors.As(err, &le) || !le.Expired {
		t.Fatalf("want an expired LockedError without takeover; got %v", err)
	}
	requireContains(t, "locked error", err.Error(), "--break-lock")
	if err := b.Lock(ctx, lb, true); err != nil {
		t.Fatalf("takeover of an expired lock: %v", err)
	}
	if held, _ := heldLock(t, a); held.ID != "id-b" {
		t.Fatalf("after the takeover the lock holds %q", held.ID)
	}
	err = a.Unlock(ctx, la)
	requireContains(t, "unlock of a lock taken over", errString(err), "held by bob@laptop")
	if held, found := heldLock(t, a); !found || held.ID != "id-b" {
		t.Fatal("alice's unlock released bob's lock")
	}
	if err := b.Unlock(ctx, lb); err != nil {
		t.Fatal(err)
	}
	if _, found := heldLock(t, a); found {
		t.Fatal("the lock is still there after its holder released it")
	}
	if err := a.Unlock(ctx, la); err != nil {
		t.Fatalf("unlock of a free lock: %v", err)
	}
}

// TestLocksArePerEnvironment: staging's lock does not block sandbox.
func TestLocksArePerEnvironment(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	now := time.Now()
	st := lockOf("id-s", "s", now, time.Hour)
	st.Env = "staging"
	if err := c.driver(t, "staging").Lock(ctx, st, false); err != nil {
		t.Fatal(err)
	}
	if err := c.driver(t, "sandbox").Lock(ctx, lockOf("id-x", "x", now, time.Hour), false); err != nil {
		t.Fatalf("sandbox blocked by staging's lock: %v", err)
	}
}

// TestLockRenewal: the holder of a lock moves its expiry by taking it
// again with the same ID; a lock kept alive so is not expired when its
// first TTL has passed.
func TestLockRenewal(t *testing.T) {
	ctx := context.Background()
	a, b, clock := twoHolders(t)
	la := lockOf("id-a", "alice@ci", *clock, 10*time.Minute)
	if err := a.Lock(ctx, la, false); err != nil {
		t.Fatal(err)
	}
	*clock = clock.Add(8 * time.Minute)
	la.Expires = clock.Add(10 * time.Minute)
	if err := a.Lock(ctx, la, false); err != nil {
		t.Fatalf("renewal: %v", err)
	}
	if held, _ := heldLock(t, a); !held.Expires.Equal(la.Expires) {
		t.Fatalf("renewed lock expires %s; want %s", held.Expires, la.Expires)
	}
	*clock = clock.Add(5 * time.Minute) // past the first expiry
	var le *apply.LockedError
	if err := b.Lock(ctx, lockOf("id-b", "bob@laptop", *clock, time.Minute), true); !errors.As(err, &le) || le.Expired {
		t.Fatalf("takeover of a renewed lock: %v; want a LockedError, not expired", err)
	}
}

// TestUnlockLostAnswerKeepsTheNextHoldersLock: an unlock whose property
// delete took effect but whose connection dropped before the answer must
// not delete again blindly: the lock may meanwhile be another apply's.
func TestUnlockLostAnswerKeepsTheNextHoldersLock(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	now := time.Now()
	other := c.driver(t, "sandbox")
	hook, done := commitThenDrop(func(r *http.Request, body []byte) bool {
		return r.Method == http.MethodPost && r.URL.Path == "/v1/controller/properties" && bytes.Contains(body, []byte("delete_props"))
	}, func() {
		if err := other.Lock(ctx, lockOf("id-b", "bob", now, time.Hour), false); err != nil {
			t.Errorf("bob taking the free lock: %v", err)
		}
	})
	d := c.driver(t, "sandbox", func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: hook} })
	la := lockOf("id-a", "alice", now, time.Hour)
	if err := d.Lock(ctx, la, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Unlock(ctx, la); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if !*done {
		t.Fatal("the unlock sent no property delete")
	}
	if held, found := heldLock(t, other); !found || held.ID != "id-b" {
		t.Fatalf("after alice's unlock the lock is %+v (found %v); want bob's, untouched", held, found)
	}
}

// TestLockRemovedWhileTaken: a lock removed between its write and the
// read-back (another apply breaking or releasing it) is reported as such,
// not as held by nobody.
func TestLockRemovedWhileTaken(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	writes := 0
	hook := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && r.Method == http.MethodPost && r.URL.Path == "/v1/controller/properties" {
			if writes++; writes == 1 {
				if derr := c.gl.Controller.Modify(ctx, client.GenericPropsModify{DeleteProps: client.DeleteProps{LockPrefix + "sandbox"}}); derr != nil {
					t.Error(derr)
				}
			}
		}
		return resp, err
	})
	d := c.driver(t, "sandbox", func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: hook} })
	err := d.Lock(ctx, lockOf("id-a", "alice", time.Now(), time.Hour), false)
	requireContains(t, "lock removed meanwhile", errString(err), "was removed while this apply was taking it", "try again")
}
