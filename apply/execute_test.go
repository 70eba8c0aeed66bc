package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/lingate/lingate/compile/artifact"
)

// fakeDriver records the changes applied to it, in order, and fails those
// named in fail. It is for executor logic only: the real drivers are
// tested against the emulators.
type fakeDriver struct {
	system  string
	mu      *sync.Mutex
	log     *[]string
	fail    map[string]bool
	delay   time.Duration
	active  *atomic.Int32
	peak    *atomic.Int32
	locked  map[string]Lock
	lockErr error
}

func (d *fakeDriver) System() string { return d.system }
func (d *fakeDriver) Read(context.Context, []artifact.Object) (Live, error) {
	return Live{}, nil
}
func (d *fakeDriver) Impact(context.Context, Change, artifact.Object, artifact.Object) (string, error) {
	return "", nil
}

func (d *fakeDriver) Apply(ctx context.Context, c Change, desired artifact.Object) error {
	n := d.active.Add(1)
	defer d.active.Add(-1)
	for {
		p := d.peak.Load()
		if n <= p || d.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if c.Action != Delete && desired.Name != c.Name {
		return fmt.Errorf("desired object %q for %s", desired.Name, c.Name)
	}
	select {
	case <-time.After(d.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	d.mu.Lock()
	*d.log = append(*d.log, fmt.Sprintf("%s %s %s/%s", c.Action, c.Env, c.Kind, c.Name))
	d.mu.Unlock()
	if d.fail[c.Kind+"/"+c.Name] {
		return errors.New("injected failure")
	}
	return nil
}

func (d *fakeDriver) Lock(_ context.Context, l Lock, _ bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lockErr != nil {
		return d.lockErr
	}
	d.locked[l.Env] = l
	*d.log = append(*d.log, "lock "+l.Env+" "+d.system)
	return nil
}

func (d *fakeDriver) Unlock(_ context.Context, l Lock) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.locked[l.Env].ID != l.ID {
		return errors.New("not the holder")
	}
	delete(d.locked, l.Env)
	*d.log = append(*d.log, "unlock "+l.Env+" "+d.system)
	return nil
}

// lockedCopy is the lock the driver holds for env.
func (d *fakeDriver) lockedCopy(env string) Lock {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.locked[env]
}

// fakes returns drivers for both systems of envs sharing one log.
type fakes struct {
	drivers map[Target]Driver
	log     []string
	mu      sync.Mutex
	active  atomic.Int32
	peak    atomic.Int32
}

func newFakes(fail map[string]bool, delay time.Duration, envs ...string) *fakes {
	f := &fakes{drivers: map[Target]Driver{}}
	for _, env := range envs {
		for _, sys := range []string{artifact.SystemLinstor, artifact.SystemApigee} {
			f.drivers[Target{Env: env, System: sys}] = &fakeDriver{system: sys, mu: &f.mu, log: &f.log, fail: fail,
				delay: delay, active: &f.active, peak: &f.peak, locked: map[string]Lock{}}
		}
	}
	return f
}

func obj(system, kind, name string) artifact.Object {
	return artifact.Object{System: system, Kind: kind, Name: name,
		Files: []artifact.File{{Path: kind + "/" + name + ".json", Data: []byte(name)}}}
}

// scenario is one environment with a resource group, two proxies and
// products, and pruned leftovers of each kind.
func scenario(env string) (ChangeSet, []artifact.Set) {
	head := []artifact.Object{
		obj(artifact.SystemLinstor, artifact.KindResourceGroup, "fast"),
		obj(artifact.SystemApigee, artifact.KindProxy, "orders"),
		obj(artifact.SystemApigee, artifact.KindProxy, "payments"),
		obj(artifact.SystemApigee, artifact.KindProduct, "orders"),
		obj(artifact.SystemApigee, artifact.KindProduct, "payments"),
	}
	base := []artifact.Object{
		obj(artifact.SystemLinstor, artifact.KindResourceGroup, "old"),
		obj(artifact.SystemApigee, artifact.KindProxy, "legacy"),
		obj(artifact.SystemApigee, artifact.KindProduct, "legacy"),
	}
	cs := Compare([]Pair{{Env: env, Base: base, Head: head, Prune: true}})
	return cs, []artifact.Set{{Env: env, Objects: head}}
}

func TestExecuteOrder(t *testing.T) {
	cs, desired := scenario("prod")
	f := newFakes(nil, 0, "prod")
	res, err := Execute(context.Background(), cs, desired, f.drivers, ExecOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create prod resource-group/fast",
		"create prod proxy/orders", "create prod proxy/payments",
		"create prod product/orders", "create prod product/payments",
		"delete prod product/legacy",
		"delete prod proxy/legacy",
		"delete prod resource-group/old",
	}
	if !slices.Equal(f.log, want) {
		t.Errorf("order:\n got %q\nwant %q", f.log, want)
	}
	if res.Err() != nil || res.Count(Applied) != len(want) {
		t.Errorf("result: %v, %d applied", res.Err(), res.Count(Applied))
	}
}

func TestExecuteFailureSkipsDependants(t *testing.T) {
	cs, desired := scenario("prod")
	f := newFakes(map[string]bool{"proxy/payments": true, "product/legacy": true}, 0, "prod")
	res, err := Execute(context.Background(), cs, desired, f.drivers, ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Status{}
	for _, o := range res.Outcomes {
		got[string(o.Change.Action)+" "+o.Change.Kind+"/"+o.Change.Name] = o.Status
	}
	want := map[string]Status{
		"create resource-group/fast": Applied,
		"create proxy/orders":        Applied,
		"create proxy/payments":      Failed,
		"create product/orders":      Applied,
		"create product/payments":    Skipped, // its proxy failed
		"delete product/legacy":      Failed,
		"delete proxy/legacy":        Skipped, // its product is still there
		"delete resource-group/old":  Skipped, // an Apigee delete failed
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s, want %s", k, got[k], w)
		}
	}
	err = res.Err()
	if err == nil || !strings.Contains(err.Error(), "3 of 8 changes applied, 2 failed") || !strings.Contains(err.Error(), "3 not done") {
		t.Errorf("Err() = %v", err)
	}
}

func TestExecuteLinstorFailureStopsApigee(t *testing.T) {
	cs, desired := scenario("prod")
	f := newFakes(map[string]bool{"resource-group/fast": true}, 0, "prod")
	res, _ := Execute(context.Background(), cs, desired, f.drivers, ExecOptions{})
	for _, o := range res.Outcomes {
		if o.Change.System == artifact.SystemApigee && o.Change.Action != Delete && o.Status != Skipped {
			t.Errorf("%s %s: %s, want skipped after the resource group failed", o.Change.Action, o.Change.Subject(), o.Status)
		}
	}
}

func TestExecuteConcurrencyBound(t *testing.T) {
	var head []artifact.Object
	for i := range 40 {
		head = append(head, obj(artifact.SystemApigee, artifact.KindProxy, fmt.Sprintf("p%02d", i)))
	}
	cs := Compare([]Pair{{Env: "e", Head: head}})
	for _, limit := range []int{1, 3, 8} {
		f := newFakes(nil, 5*time.Millisecond, "e")
		res, err := Execute(context.Background(), cs, []artifact.Set{{Env: "e", Objects: head}}, f.drivers, ExecOptions{Concurrency: limit})
		if err != nil || res.Err() != nil {
			t.Fatal(err, res.Err())
		}
		if p := int(f.peak.Load()); p > limit || (limit > 1 && p < 2) {
			t.Errorf("concurrency %d: peak %d", limit, p)
		}
	}
}

func TestExecuteReplaceGoesToTheDriver(t *testing.T) {
	rg := func(vgs string) artifact.Object {
		return artifact.Object{System: artifact.SystemLinstor, Kind: artifact.KindResourceGroup, Name: "fast",
			Files: []artifact.File{{Path: "fast.json", Data: []byte(`{"volume_groups":[` + vgs + `]}`)}}}
	}
	cs := ChangeSet{Changes: []Change{{Ref: Ref{Env: "e", System: artifact.SystemLinstor, Kind: artifact.KindResourceGroup, Name: "fast"}, Action: Replace}}}
	f := newFakes(nil, 0, "e")
	res, _ := Execute(context.Background(), cs, []artifact.Set{{Env: "e", Objects: []artifact.Object{rg("{},{}")}}}, f.drivers, ExecOptions{})
	want := []string{"replace e resource-group/fast"}
	if !slices.Equal(f.log, want) || res.Err() != nil {
		t.Errorf("log %q (%v), want %q", f.log, res.Err(), want)
	}
}

func TestExecuteInterrupted(t *testing.T) {
	cs, desired := scenario("prod")
	f := newFakes(nil, 0, "prod")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Execute(ctx, cs, desired, f.drivers, ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Count(Skipped); n != len(cs.Changes) || len(f.log) != 0 {
		t.Errorf("%d skipped of %d, log %q", n, len(cs.Changes), f.log)
	}
}

func TestExecuteMissingDriver(t *testing.T) {
	cs, desired := scenario("prod")
	f := newFakes(nil, 0, "staging")
	if _, err := Execute(context.Background(), cs, desired, f.drivers, ExecOptions{}); err == nil ||
		!strings.Contains(err.Error(), "no driver for linstor in environment prod") {
		t.Errorf("err = %v", err)
	}
}

func TestLocksOrderAndRelease(t *testing.T) {
	f := newFakes(nil, 0, "prod", "staging")
	h, err := AcquireLocks(context.Background(), f.drivers, LockOptions{Holder: "me@host"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // an interrupted apply still releases
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"lock prod linstor", "lock prod apigee", "lock staging linstor", "lock staging apigee",
		"unlock staging apigee", "unlock staging linstor", "unlock prod apigee", "unlock prod linstor",
	}
	if !slices.Equal(f.log, want) {
		t.Errorf("log:\n got %q\nwant %q", f.log, want)
	}
}

func TestLocksReleasedWhenOneIsHeld(t *testing.T) {
	f := newFakes(nil, 0, "prod")
	held := &LockedError{Held: Lock{Env: "prod", Holder: "other@host", Acquired: time.Unix(0, 0), Expires: time.Unix(3600, 0)}}
	f.drivers[Target{Env: "prod", System: artifact.SystemApigee}].(*fakeDriver).lockErr = held
	_, err := AcquireLocks(context.Background(), f.drivers, LockOptions{Holder: "me@host"})
	var le *LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "locked by other@host") {
		t.Fatalf("err = %v", err)
	}
	want := []string{"lock prod linstor", "unlock prod linstor"}
	if !slices.Equal(f.log, want) {
		t.Errorf("log %q, want %q", f.log, want)
	}
}

func TestRateLimitedSpacesCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	hc := &http.Client{Transport: RateLimited(nil, rate.NewLimiter(20, 1))}
	start := time.Now()
	for range 6 {
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// 20 a second with no burst: the sixth call waits for 5 intervals.
	if d := time.Since(start); d < 240*time.Millisecond {
		t.Errorf("6 calls at 20/s took %s, want at least 250ms", d)
	}
}

func TestExecuteInterruptFinishesInFlight(t *testing.T) {
	cs, desired := scenario("prod")
	f := newFakes(nil, 50*time.Millisecond, "prod")
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelAfterStart{cancel: cancel}
	res, err := Execute(ctx, cs, desired, f.drivers, ExecOptions{Reporter: r})
	if err != nil {
		t.Fatal(err)
	}
	// The resource group in flight when ctx ended is applied; nothing after it starts.
	if res.Outcomes[0].Status != Applied || res.Count(Applied) != 1 || res.Count(Skipped) != len(cs.Changes)-1 {
		t.Errorf("outcomes: %+v", res.Outcomes)
	}
}

// cancelAfterStart cancels the apply as soon as the first change starts.
type cancelAfterStart struct {
	nopReporter
	once   sync.Once
	cancel context.CancelFunc
}

func (c *cancelAfterStart) Started(Change) { c.once.Do(c.cancel) }

// TestWithoutSubject: a driver error's leading subject (and action), which
// the outcome already shows, is dropped; other errors stay whole.
func TestWithoutSubject(t *testing.T) {
	rg := Change{Ref: Ref{Env: "prod", System: artifact.SystemLinstor, Kind: artifact.KindResourceGroup, Name: "fast"}, Action: Create}
	px := Change{Ref: Ref{Env: "prod", System: artifact.SystemApigee, Kind: artifact.KindProxy, Name: "orders"}, Action: Update}
	for _, tc := range []struct {
		msg  string
		c    Change
		want string
	}{
		{"linstor resource group fast: create: NOPE", rg, "NOPE"},
		{"linstor resource-group fast: boom", rg, "boom"},
		{"apigee proxy orders: deploy revision 2: 500", px, "deploy revision 2: 500"},
		{"apigee proxy other: x", px, "apigee proxy other: x"},
		{"apigee proxy orders2: x", px, "apigee proxy orders2: x"},
	} {
		if got := withoutSubject(tc.msg, tc.c); got != tc.want {
			t.Errorf("withoutSubject(%q) = %q; want %q", tc.msg, got, tc.want)
		}
	}
}

// TestKeepAliveRenewsUntilStopped: KeepAlive renews every lock with a
// later expiry until stopped, then no more; a lock found taken over is
// reported once through lost and by stop.
func TestKeepAliveRenewsUntilStopped(t *testing.T) {
	f := newFakes(nil, 0, "prod")
	h, err := AcquireLocks(context.Background(), f.drivers, LockOptions{Holder: "me@host", TTL: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	first := f.drivers[Target{Env: "prod", System: artifact.SystemApigee}].(*fakeDriver).lockedCopy("prod")
	lost := make(chan error, 4)
	stop := h.KeepAlive(context.Background(), func(err error) { lost <- err })
	time.Sleep(100 * time.Millisecond)
	apigee := f.drivers[Target{Env: "prod", System: artifact.SystemApigee}].(*fakeDriver)
	if renewed := apigee.lockedCopy("prod"); renewed.ID != first.ID || !renewed.Expires.After(first.Expires) {
		t.Fatalf("after 100ms of a 30ms TTL the lock is %+v; want %s renewed past %s", renewed, first.ID, first.Expires)
	}
	f.mu.Lock()
	apigee.lockErr = &LockedError{Held: Lock{Env: "prod", Holder: "other@host"}}
	f.mu.Unlock()
	select {
	case err := <-lost:
		if !strings.Contains(err.Error(), "locked by other@host") {
			t.Errorf("lost: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a lock taken over was not reported")
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), "renew lock prod apigee") {
		t.Errorf("stop = %v; want the failed renewal", err)
	}
	f.mu.Lock()
	n := len(f.log)
	f.mu.Unlock()
	time.Sleep(60 * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.log) != n || len(lost) != 0 {
		t.Errorf("renewal went on after stop: %q", f.log[n:])
	}
}
