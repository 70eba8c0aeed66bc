package apigee

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/emulator"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestLockRenewedDuringSlowApply: an apply that outlives --lock-ttl keeps
// its lock, renewed while it runs: past the TTL another apply still cannot
// take it over, even with --break-lock. Once renewal stops, the lock is
// released normally.
func TestLockRenewedDuringSlowApply(t *testing.T) {
	srv, err := apigeeemu.New(apigeeemu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(emulator.Wrap(srv, emulator.Options{Latency: 15 * time.Millisecond}))
	defer hs.Close()
	d := driver(t, hs)
	ctx := context.Background()
	const ttl = 600 * time.Millisecond
	drivers := map[apply.Target]apply.Driver{{Env: testEnv, System: d.System()}: d}
	start := time.Now()
	held, err := apply.AcquireLocks(ctx, drivers, apply.LockOptions{Holder: "slow@ci", TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	stop := held.KeepAlive(ctx, nil)
	// A slow apply: the example's proxies and products, 15 ms a call.
	applyAll(t, d, apply.Create, example(t)...)
	for time.Since(start) < ttl+ttl/2 {
		time.Sleep(ttl / 4)
	}
	var le *apply.LockedError
	err = d.Lock(ctx, lockOf("other", time.Hour), true)
	if !errors.As(err, &le) || le.Expired || le.Held.Holder != "slow@ci" {
		t.Fatalf("%s after taking a lock of TTL %s: another apply got %v; want the lock held, not expired", time.Since(start).Round(time.Millisecond), ttl, err)
	}
	if !le.Held.Expires.After(start.Add(ttl)) {
		t.Errorf("lock expires %s; want it moved past %s", le.Held.Expires, start.Add(ttl))
	}
	if err := stop(); err != nil {
		t.Errorf("renewal: %v", err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Lock(ctx, lockOf("other", time.Hour), false); err != nil {
		t.Fatalf("lock after release: %v", err)
	}
}
