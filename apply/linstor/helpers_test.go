package linstor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
	emu "github.com/lingate/lingate/internal/emulator"
	emulator "github.com/lingate/lingate/internal/emulator/linstor"
	"github.com/lingate/lingate/schema"
)

// examplePools are the storage pools the example policies use.
var examplePools = []string{"nvme-thin", "ssd-thick", "hdd-zfs", "diskless"}

// golinstorEnv are the variables golinstor's NewClient reads on its own.
var golinstorEnv = []string{
	"LS_CONTROLLERS", "LS_USERNAME", "LS_PASSWORD", "LS_USER_CERTIFICATE", "LS_USER_KEY", "LS_ROOT_CA",
	"LS_USER_CERTIFICATE_FILE", "LS_USER_KEY_FILE", "LS_ROOT_CA_FILE", "LS_BEARER_TOKEN_FILE",
}

// clearEnv unsets golinstor's variables for the test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range golinstorEnv {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// cluster is an emulated controller behind a loopback server, with the
// Authorization headers it received.
type cluster struct {
	srv  *emulator.Server
	ts   *httptest.Server
	mu   sync.Mutex
	auth []string
	gl   *client.Client // golinstor, for changes made by hand
	// clock is the controller's time (resource ages, the balance task's grace period).
	clock *emu.Clock
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	clearEnv(t)
	return newFaultyCluster(t, emu.Options{})
}

// newFaultyCluster is a cluster whose controller injects the faults and
// latency of opts before handling a request. The caller clears golinstor's
// variables (clearEnv) first, once, so tests using it may run in parallel.
func newFaultyCluster(t *testing.T, opts emu.Options) *cluster {
	t.Helper()
	clock := emu.NewClock(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC))
	srv, err := emulator.New(emulator.Config{Pools: examplePools, PoolProviders: map[string]string{"hdd-zfs": "ZFS_THIN"}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{srv: srv, clock: clock}
	handler := emu.Wrap(srv, opts)
	c.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.auth = append(c.auth, r.Header.Get("Authorization"))
		c.mu.Unlock()
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(c.ts.Close)
	u, _ := url.Parse(c.ts.URL)
	if c.gl, err = client.NewClient(client.BaseURL(u), client.Log(nil)); err != nil {
		t.Fatal(err)
	}
	return c
}

// driver is a Driver for env on the cluster, with a fast retry policy.
func (c *cluster) driver(t *testing.T, env string, mod ...func(*Config)) *Driver {
	t.Helper()
	cfg := Config{Env: env, Commit: "c0ffee", Controllers: []string{c.ts.URL},
		Retry: apply.RetryPolicy{Initial: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// desired compiles the example policies' resource groups for env.
func desired(t *testing.T, env string) []artifact.Object {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(filepath.Join("..", "..")), "policies")
	if err != nil {
		t.Fatal(err)
	}
	set, err := compile.Compile(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	var out []artifact.Object
	for _, o := range set.Objects {
		if o.System == artifact.SystemLinstor {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		t.Fatalf("environment %s compiles no resource groups", env)
	}
	return out
}

// plan compares what d reads with want.
func plan(t *testing.T, d *Driver, want []artifact.Object, prune bool) (apply.ChangeSet, apply.Live) {
	t.Helper()
	live, err := d.Read(context.Background(), want)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return apply.Compare([]apply.Pair{{Env: d.env, Base: live.Objects, Head: want, Prune: prune}}), live
}

// applyAll carries out every change of cs.
func applyAll(t *testing.T, d *Driver, cs apply.ChangeSet, want []artifact.Object) {
	t.Helper()
	for _, c := range cs.Changes {
		if err := d.Apply(context.Background(), c, find(want, c.Name)); err != nil {
			t.Fatalf("apply %s %s: %v", c.Action, c.Name, err)
		}
	}
}

// appliedSandbox is a cluster with the example's sandbox groups applied,
// the driver that applied them, and what it applied.
func appliedSandbox(t *testing.T) (*cluster, *Driver, []artifact.Object) {
	t.Helper()
	c := newCluster(t)
	d := c.driver(t, "sandbox")
	want := desired(t, "sandbox")
	converge(t, d, want)
	return c, d, want
}

// converge plans and applies want, then requires an empty plan.
func converge(t *testing.T, d *Driver, want []artifact.Object) {
	t.Helper()
	cs, _ := plan(t, d, want, true)
	applyAll(t, d, cs, want)
	requireEmpty(t, d, want)
}

func requireEmpty(t *testing.T, d *Driver, want []artifact.Object) {
	t.Helper()
	if cs, _ := plan(t, d, want, true); !cs.Empty() {
		t.Fatalf("plan after apply is not empty: %+v", cs.Changes)
	}
}

func find(objs []artifact.Object, name string) artifact.Object {
	for _, o := range objs {
		if o.Name == name {
			return o
		}
	}
	return artifact.Object{}
}

// edit returns objs with the group name changed by f, re-encoded as compile would.
func edit(t *testing.T, objs []artifact.Object, name string, f func(*cl.Group)) []artifact.Object {
	t.Helper()
	out := make([]artifact.Object, len(objs))
	copy(out, objs)
	for i, o := range out {
		if o.Name != name {
			continue
		}
		g, err := cl.Decode(o.Files[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		f(&g)
		data, err := cl.Encode(g)
		if err != nil {
			t.Fatal(err)
		}
		out[i].Files = []artifact.File{{Path: o.Files[0].Path, Data: data}}
		return out
	}
	t.Fatalf("no object %s", name)
	return nil
}

// requireContains fails unless s contains every part.
func requireContains(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s does not say %q:\n%s", what, p, s)
		}
	}
}
