package apigee

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

func lockOf(id string, expires time.Duration) apply.Lock {
	now := time.Now().UTC().Truncate(time.Second)
	return apply.Lock{Env: testEnv, Holder: "ci-" + id, ID: id, Acquired: now, Expires: now.Add(expires)}
}

// TestLockContention: a held lock refuses another holder with
// *apply.LockedError, takes its own holder again, and only its holder can
// release it.
func TestLockContention(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	ctx := context.Background()
	a, b := lockOf("a", time.Hour), lockOf("b", time.Hour)
	if err := d.Lock(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Lock(ctx, a, false); err != nil {
		t.Fatalf("holder taking its own lock again: %v", err)
	}
	for _, takeOver := range []bool{false, true} {
		var le *apply.LockedError
		err := d.Lock(ctx, b, takeOver)
		if !errors.As(err, &le) || le.Expired || le.Held.ID != "a" {
			t.Fatalf("second holder (takeOver %v): %v; want LockedError held by a, not expired", takeOver, err)
		}
		mustContain(t, "error", err.Error(), "locked by ci-a")
	}
	if err := d.Unlock(ctx, b); err == nil {
		t.Fatal("another holder released the lock")
	}
	if err := d.Unlock(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := d.Lock(ctx, b, false); err != nil {
		t.Fatalf("lock after release: %v", err)
	}
}

// TestLockExpiry: an expired lock is reported as expired and taken over
// only with takeOver; the old holder can then no longer release it.
func TestLockExpiry(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	ctx := context.Background()
	old, b := lockOf("old", -time.Minute), lockOf("b", time.Hour)
	if err := d.Lock(ctx, old, false); err != nil {
		t.Fatal(err)
	}
	var le *apply.LockedError
	if err := d.Lock(ctx, b, false); !errors.As(err, &le) || !le.Expired {
		t.Fatalf("expired lock without takeOver: %v; want LockedError, expired", err)
	}
	if err := d.Lock(ctx, b, true); err != nil {
		t.Fatalf("takeover of an expired lock: %v", err)
	}
	if err := d.Unlock(ctx, old); err == nil || !strings.Contains(err.Error(), "held by ci-b") {
		t.Fatalf("old holder released the new lock: %v", err)
	}
	held, found, err := d.readLock(ctx)
	if err != nil || !found || held.ID != "b" {
		t.Fatalf("lock now %+v (found %v, %v); want b's", held, found, err)
	}
}

// TestLockRace: of many holders locking at once, exactly one wins.
func TestLockRace(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners, refused := 0, 0
	for i := range 8 {
		d := driver(t, hs)
		wg.Go(func() {
			err := d.Lock(ctx, lockOf(string(rune('a'+i)), time.Hour), false)
			var le *apply.LockedError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners++
			case errors.As(err, &le):
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if winners != 1 || refused != 7 {
		t.Fatalf("%d won and %d were refused; want 1 and 7", winners, refused)
	}
}

// TestLockLostAnswers: a lock whose map and entry creates lost their
// answers is still taken, once.
func TestLockLostAnswers(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	tr := &losing{base: hs.Client().Transport, lose: map[string]int{"POST /keyvaluemaps": 1, "POST /entries": 1}}
	d := driver(t, hs, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	a := lockOf("a", time.Hour)
	if err := d.Lock(context.Background(), a, false); err != nil {
		t.Fatal(err)
	}
	if tr.lost != 2 {
		t.Fatalf("lost %d answers; want 2", tr.lost)
	}
	var le *apply.LockedError
	if err := d.Lock(context.Background(), lockOf("b", time.Hour), false); !errors.As(err, &le) || le.Held.ID != "a" {
		t.Fatalf("second holder: %v; want refused by a", err)
	}
}
