package targets

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/emulator"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/sandbox"
)

// repoRoot is the repository, whose policies/ is the example.
const repoRoot = "../.."

// livePlan plans the example's sandbox environment with its state in root.
func livePlan(t *testing.T, root string, serve sandbox.ServeOptions) *plan.LiveResult {
	t.Helper()
	connect := Connector(Options{Root: root, Serve: serve,
		Retry: apply.RetryPolicy{Initial: 5 * time.Millisecond, MaxInterval: 100 * time.Millisecond, MaxTries: 10}})
	p, err := plan.Live(context.Background(), plan.LiveOptions{Policies: filepath.Join(repoRoot, "policies"),
		FS: os.DirFS(repoRoot), Dir: "policies", Envs: []string{"sandbox"}, Connect: connect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// applyOnce plans and applies; it reports whether everything was applied.
func applyOnce(t *testing.T, root string, serve sandbox.ServeOptions) bool {
	t.Helper()
	p := livePlan(t, root, serve)
	held, err := apply.AcquireLocks(context.Background(), p.Drivers, apply.LockOptions{Holder: "test"})
	if err != nil {
		t.Logf("lock: %v", err)
		return false
	}
	res, err := apply.Execute(context.Background(), p.View.Changes, p.Head, p.Drivers, apply.ExecOptions{})
	if err := held.Release(context.Background()); err != nil {
		t.Logf("unlock: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if res.Err() != nil {
		t.Logf("apply: %v", res.Err())
	}
	return res.Err() == nil
}

// revisions lists a proxy's revisions in the saved sandbox state.
func revisions(t *testing.T, root, proxy string) []string {
	t.Helper()
	sb, err := sandbox.Open(sandbox.StateDir(root, "sandbox"), sandbox.Seed{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sb.Apigee.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/organizations/sandbox/apis/"+proxy+"/revisions", nil))
	var revs []string
	if err := json.Unmarshal(rec.Body.Bytes(), &revs); err != nil {
		t.Fatalf("revisions of %s: %v (%s)", proxy, err, rec.Body)
	}
	return revs
}

// TestApplyConvergesUnderFaults applies the example to sandboxes failing a
// fifth of all calls (429 with Retry-After, 500, 503, dropped
// connections), with latency, for several seeds: every run converges,
// with one revision per proxy.
func TestApplyConvergesUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("applies the example several times")
	}
	for _, seed := range []uint64{1, 2, 3, 4} {
		root := t.TempDir()
		serve := sandbox.ServeOptions{Faults: 0.2, Seed: seed, Latency: 2 * time.Millisecond}
		rounds := 1
		for !applyOnce(t, root, serve) {
			if rounds++; rounds > 3 {
				t.Fatalf("seed %d: not converged after 3 applies", seed)
			}
		}
		if rounds > 1 {
			t.Logf("seed %d: converged after %d applies", seed, rounds)
		}
		p := livePlan(t, root, serve)
		if !p.View.Changes.Empty() {
			t.Errorf("seed %d: plan after apply: %+v", seed, p.View.Changes.Changes)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Head[0].Objects {
			if o.Kind != artifact.KindProxy {
				continue
			}
			if revs := revisions(t, root, o.Name); !slices.Equal(revs, []string{"1"}) {
				t.Errorf("seed %d: proxy %s has revisions %v, want one", seed, o.Name, revs)
			}
		}
	}
}

// TestNoChangePlanWritesNothing plans right after an apply and counts the
// calls that are not reads in the emulators' request log: none.
func TestNoChangePlanWritesNothing(t *testing.T) {
	root := t.TempDir()
	if !applyOnce(t, root, sandbox.ServeOptions{}) {
		t.Fatal("apply failed")
	}
	log := &emulator.RequestLog{}
	p := livePlan(t, root, sandbox.ServeOptions{Log: log})
	if !p.View.Changes.Empty() {
		t.Fatalf("plan after apply: %+v", p.View.Changes.Changes)
	}
	entries := log.Entries()
	if len(entries) == 0 {
		t.Fatal("the plan made no calls at all")
	}
	for _, e := range entries {
		if e.Method != http.MethodGet {
			t.Errorf("a no-change plan wrote: %s", e)
		}
	}
}
