package apigee

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// commitThenFail lets the first DELETE of the lock entry (or of path)
// through, runs meanwhile (another apply taking the free lock, someone
// making an object by hand), then answers 503 as if the answer had been
// lost.
type commitThenFail struct {
	base      http.RoundTripper
	meanwhile func()
	done      bool
	// path is the end of the DELETE's path, the lock entry's when "".
	path string
}

func (c *commitThenFail) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.done || r.Method != http.MethodDelete || !strings.HasSuffix(r.URL.Path, cmp.Or(c.path, "/entries/"+LockEntry)) {
		return c.base.RoundTrip(r)
	}
	c.done = true
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	c.meanwhile()
	body := `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

// TestUnlockLostAnswerKeepsTheNextHoldersLock: an unlock whose DELETE
// committed but whose answer was lost must not delete again blindly: the
// lock may meanwhile be another apply's.
func TestUnlockLostAnswerKeepsTheNextHoldersLock(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	other := driver(t, hs)
	ctx := context.Background()
	a, b := lockOf("a", time.Hour), lockOf("b", time.Hour)
	hook := &commitThenFail{base: hs.Client().Transport, meanwhile: func() {
		if err := other.Lock(ctx, b, false); err != nil {
			t.Errorf("b taking the free lock: %v", err)
		}
	}}
	d := driver(t, hs, func(c *Config) { c.HTTPClient = &http.Client{Transport: hook} })
	if err := d.Lock(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Unlock(ctx, a); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	held, found, err := other.readLock(ctx)
	if err != nil || !found || held.ID != "b" {
		t.Fatalf("after a's unlock the lock is %+v (found %v, %v); want b's, untouched", held, found, err)
	}
}

// TestTakeoverRaceHasOneWinner: two applies taking over the same expired
// lock, the second just before the first deletes it, end with one holder:
// the one the lock entry names, the other refused.
func TestTakeoverRaceHasOneWinner(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	other := driver(t, hs)
	ctx := context.Background()
	if err := other.Lock(ctx, lockOf("old", -time.Minute), false); err != nil {
		t.Fatal(err)
	}
	b, c := lockOf("b", time.Hour), lockOf("c", time.Hour)
	var errC error
	hook := &deleteRace{base: hs.Client().Transport, before: func() { errC = other.Lock(ctx, c, true) }}
	d := driver(t, hs, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: hook} })
	errB := d.Lock(ctx, b, true)
	if !hook.done {
		t.Fatal("b never deleted the expired lock")
	}
	if (errB == nil) == (errC == nil) {
		t.Fatalf("b: %v; c: %v; want exactly one holder", errB, errC)
	}
	winner := "b"
	if errC == nil {
		winner = "c"
	}
	held, found, err := other.readLock(ctx)
	if err != nil || !found || held.ID != winner {
		t.Fatalf("the lock is %+v (found %v, %v); want %s's, which won", held, found, err, winner)
	}
	var le *apply.LockedError
	if loser := cmp.Or(errB, errC); !errors.As(loser, &le) {
		t.Fatalf("the loser's error %v is not a LockedError", loser)
	}
	if err := other.Unlock(ctx, held); err != nil {
		t.Fatal(err)
	}
	if err := other.Lock(ctx, lockOf("d", time.Hour), false); err != nil {
		t.Fatalf("a fresh lock after the takeover: %v", err)
	}
}

// deleteRace runs before ahead of the first request of the lock entry's
// DELETE, as if another apply got there between the read and the delete.
type deleteRace struct {
	base   http.RoundTripper
	before func()
	done   bool
}

func (d *deleteRace) RoundTrip(r *http.Request) (*http.Response, error) {
	if !d.done && r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/entries/"+LockEntry) {
		d.done = true
		d.before()
	}
	return d.base.RoundTrip(r)
}

// TestMaskedLockMapIsNamed: a key value map "lingate" made with
// maskedValues (by an administrator, for compliance) returns "*****" for
// the lock: the apply fails saying so and what to do, instead of calling
// the lock foreign.
func TestMaskedLockMapIsNamed(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	ctx := context.Background()
	if _, err := d.svc.Organizations.Environments.Keyvaluemaps.Create(d.env,
		&apigee.GoogleCloudApigeeV1KeyValueMap{Name: LockMap, Encrypted: true, MaskedValues: true}).Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	err := d.Lock(ctx, lockOf("a", time.Hour), false)
	mustContain(t, "lock in a masked map", errString(err), "key value map lingate", "maskedValues", "false")
}

// throttleOnce answers the first POST whose path ends in suffix with
// Google's 429 and Retry-After: 1, recording when each such POST came.
type throttleOnce struct {
	base   http.RoundTripper
	suffix string
	at     []time.Time
}

func (th *throttleOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, th.suffix) {
		return th.base.RoundTrip(r)
	}
	th.at = append(th.at, time.Now())
	if len(th.at) > 1 {
		return th.base.RoundTrip(r)
	}
	body := `{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}`
	return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests",
		Header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

// TestRetryAfterOfRefusedPostsIsHonoured: an import and a product create
// (POSTs, retried by the driver after a re-read) refused with 429 and
// Retry-After are tried again no sooner than the server asked.
func TestRetryAfterOfRefusedPostsIsHonoured(t *testing.T) {
	for _, tc := range []struct{ kind, suffix string }{{artifact.KindProxy, "/apis"}, {artifact.KindProduct, "/apiproducts"}} {
		hs := emulated(t, apigeeemu.Config{})
		th := &throttleOnce{base: hs.Client().Transport, suffix: tc.suffix}
		d := driver(t, hs, func(c *Config) { c.HTTPClient = &http.Client{Transport: th} })
		if tc.kind == artifact.KindProduct {
			applyAll(t, driver(t, hs), apply.Create, find(t, example(t), artifact.KindProxy, "payments"))
		}
		applyAll(t, d, apply.Create, find(t, example(t), tc.kind, "payments"))
		if len(th.at) != 2 {
			t.Fatalf("%s: %d POSTs; want 2", tc.kind, len(th.at))
		}
		if wait := th.at[1].Sub(th.at[0]); wait < time.Second {
			t.Errorf("%s: tried again after %s; the server asked for 1s", tc.kind, wait)
		}
	}
}

// claimTaken runs meanwhile (another apply taking over the same expired
// lock, start to finish) when the first claim entry is created, and
// answers that create with the 409 it met while the other's claim existed.
type claimTaken struct {
	base      http.RoundTripper
	meanwhile func()
	done      bool
}

func (c *claimTaken) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.done || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/entries") {
		return c.base.RoundTrip(r)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if !strings.Contains(string(body), "-takeover-") {
		return c.base.RoundTrip(r)
	}
	c.done = true
	c.meanwhile()
	msg := `{"error":{"code":409,"message":"entry already exists","status":"ALREADY_EXISTS"}}`
	return &http.Response{StatusCode: http.StatusConflict, Status: "409 Conflict",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(msg)),
		ContentLength: int64(len(msg)), Request: r}, nil
}

// TestTakeoverLostToAFinishedTakeover: an apply whose claim on an expired
// lock met another's claim, gone by the time it reads it (the other
// finished), is told who holds the lock.
func TestTakeoverLostToAFinishedTakeover(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	other := driver(t, hs)
	ctx := context.Background()
	if err := other.Lock(ctx, lockOf("old", -time.Minute), false); err != nil {
		t.Fatal(err)
	}
	hook := &claimTaken{base: hs.Client().Transport, meanwhile: func() {
		if err := other.Lock(ctx, lockOf("c", time.Hour), true); err != nil {
			t.Errorf("c taking over: %v", err)
		}
	}}
	d := driver(t, hs, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: hook} })
	err := d.Lock(ctx, lockOf("b", time.Hour), true)
	var le *apply.LockedError
	if !errors.As(err, &le) || le.Held.ID != "c" {
		t.Fatalf("b: %v; want a LockedError held by c", err)
	}
}
