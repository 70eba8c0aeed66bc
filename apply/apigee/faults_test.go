package apigee

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/emulator"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestRevisionRetention applies 8 versions of a proxy with KeepRevisions
// 5: the deployed revision and the 5 newest other lingate revisions remain,
// and hand-made revisions are never deleted.
func TestRevisionRetention(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs, func(c *Config) { c.KeepRevisions = 5 })
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	handMade := importRaw(t, d, "orders", unstamped(t, proxy))
	var last artifact.Object
	for i := 1; i <= 8; i++ {
		last = editProxy(t, proxy, "Managed by lingate.", fmt.Sprintf("Managed by lingate. Version %d.", i))
		applyAll(t, d, apply.Update, last)
	}
	revs := revisionsOf(t, d, "orders")
	lingate := 0
	for _, ok := range revs {
		if ok {
			lingate++
		}
	}
	if lingate != 6 || !(len(revs) == 7) || revs[handMade] {
		t.Fatalf("revisions %v: want the hand-made %d and 6 of lingate's (deployed + 5)", revs, handMade)
	}
	for _, gone := range []int{2, 3} {
		if _, ok := revs[gone]; ok {
			t.Errorf("oldest lingate revision %d kept: %v", gone, revs)
		}
	}
	if dep, _ := d.deployedHere(context.Background(), "orders"); dep != 9 {
		t.Errorf("deployed revision %d; want 9, the last", dep)
	}
	if _, cs := plan(t, d, []artifact.Object{last}); !cs.Empty() {
		t.Errorf("plan after the last version: %+v", cs.Changes)
	}
}

// TestDeployErrorRollsBack: a revision whose deployment ends in ERROR is
// replaced by the revision that served before, and the apply fails saying
// so; with nothing deployed before, the failed revision is undeployed.
func TestDeployErrorRollsBack(t *testing.T) {
	failing := map[int]bool{2: true}
	var mu sync.Mutex
	hs := emulated(t, apigeeemu.Config{DeployError: func(org, env, api string, rev int) string {
		mu.Lock()
		defer mu.Unlock()
		if api == "orders" && failing[rev] {
			return "runtime cannot load the proxy"
		}
		return ""
	}})
	d := driver(t, hs)
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, d, apply.Create, proxy)
	broken := editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. Broken.")
	err := d.Apply(context.Background(), change(broken, apply.Update), broken)
	if err == nil {
		t.Fatal("deploying a failing revision succeeded")
	}
	mustContain(t, "error", err.Error(), "apigee proxy orders", "revision 2", "ERROR", "runtime cannot load the proxy", "rolled back to revision 1")
	if dep, _ := d.deployedHere(context.Background(), "orders"); dep != 1 {
		t.Fatalf("deployed revision %d after rollback; want 1", dep)
	}
	if _, cs := plan(t, d, []artifact.Object{proxy}); !cs.Empty() {
		t.Errorf("plan of the version serving after rollback: %+v", cs.Changes)
	}

	mu.Lock()
	failing[1] = true
	mu.Unlock()
	first := find(t, example(t), artifact.KindProxy, "payments")
	hs2 := emulated(t, apigeeemu.Config{DeployError: func(string, string, string, int) string { return "no capacity" }})
	d2 := driver(t, hs2)
	err = d2.Apply(context.Background(), change(first, apply.Create), first)
	if err == nil {
		t.Fatal("deploying a failing first revision succeeded")
	}
	mustContain(t, "error", err.Error(), "no capacity", "undeployed it")
	if dep, _ := d2.deployedHere(context.Background(), "payments"); dep != 0 {
		t.Errorf("failed first revision %d left deployed", dep)
	}
}

// TestDeployTimeoutRollsBack: a deployment still PROGRESSING after
// DeployTimeout counts as failed.
func TestDeployTimeoutRollsBack(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{ReadyAfter: 1 << 20})
	d := driver(t, hs, func(c *Config) { c.DeployTimeout = 30 * time.Millisecond })
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	err := d.Apply(context.Background(), change(proxy, apply.Create), proxy)
	if err == nil {
		t.Fatal("a deployment that never became ready succeeded")
	}
	mustContain(t, "error", err.Error(), "not ready after 30ms", "PROGRESSING")
}

// losing forwards requests to the server but, for the first request of
// each kind it is told to lose, drops the answer after the server acted.
type losing struct {
	base http.RoundTripper
	mu   sync.Mutex
	lose map[string]int // "METHOD path-suffix" → answers still to lose
	lost int
}

func (l *losing) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, n := range l.lose {
		method, suffix, _ := strings.Cut(key, " ")
		if n > 0 && req.Method == method && strings.HasSuffix(req.URL.Path, suffix) {
			l.lose[key]--
			l.lost++
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil, errors.New("connection reset by peer")
		}
	}
	return resp, nil
}

// TestLostAnswersConverge: an import, a deploy and a product create whose
// answers are lost after the server acted are not repeated blindly: the
// apply ends with one revision and the product in place.
func TestLostAnswersConverge(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	tr := &losing{base: hs.Client().Transport, lose: map[string]int{
		"POST /apis":        1,
		"POST /deployments": 1,
		"POST /apiproducts": 1,
	}}
	d := driver(t, hs, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	desired := example(t)
	objs := []artifact.Object{find(t, desired, artifact.KindProxy, "orders"), find(t, desired, artifact.KindProduct, "orders")}
	applyAll(t, d, apply.Create, objs...)
	if tr.lost != 3 {
		t.Fatalf("lost %d answers; want 3 (import, deploy, create)", tr.lost)
	}
	if revs := revisionsOf(t, d, "orders"); len(revs) != 1 {
		t.Fatalf("revisions %v after a lost import answer; want 1", revs)
	}
	if _, cs := plan(t, d, objs); !cs.Empty() {
		t.Fatalf("plan after lost answers: %+v", cs.Changes)
	}
}

// TestFaultsConverge applies the example through injected 429s, 5xx and
// dropped connections, for several seeds: every run converges with one
// revision per proxy.
func TestFaultsConverge(t *testing.T) {
	desired := example(t)
	for seed := uint64(1); seed <= 2; seed++ { // each injected 429 waits its Retry-After, 1s
		srv, err := apigeeemu.New(apigeeemu.Config{})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(emulator.Wrap(srv, emulator.Options{FaultRate: 0.2, Seed: seed}))
		d := driver(t, hs, func(c *Config) {
			c.Retry = apply.RetryPolicy{MaxTries: 30, Initial: time.Millisecond, MaxInterval: 2 * time.Millisecond}
		})
		applyAll(t, d, apply.Create, desired...)
		_, cs := plan(t, d, desired)
		if !cs.Empty() {
			t.Errorf("seed %d: plan after apply: %+v", seed, cs.Changes)
		}
		for _, o := range desired {
			if o.Kind == artifact.KindProxy {
				if revs := revisionsOf(t, d, o.Name); len(revs) != 1 {
					t.Errorf("seed %d: proxy %s has revisions %v; want 1", seed, o.Name, revs)
				}
			}
		}
		hs.Close()
	}
}

// change is the change of o with action.
func change(o artifact.Object, action apply.Action) apply.Change {
	return apply.Change{Ref: apply.Ref{Env: testEnv, System: o.System, Kind: o.Kind, Name: o.Name}, Action: action}
}

// TestRevisionLimit: a proxy at Apigee's 250 revisions gets room for the
// next import by pruning lingate's old revisions first.
func TestRevisionLimit(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs, func(c *Config) { c.KeepRevisions = 3 })
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, d, apply.Create, proxy)
	zip, err := stampedZip(proxy, stamp{Hash: ContentHash(proxy), Commit: "old"})
	if err != nil {
		t.Fatal(err)
	}
	for range MaxRevisions - 1 {
		importRaw(t, d, "orders", zip)
	}
	next := editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. Next.")
	applyAll(t, d, apply.Update, next)
	revs := revisionsOf(t, d, "orders")
	if len(revs) != 4 {
		t.Fatalf("%d revisions after the import at the limit; want the deployed and 3 more", len(revs))
	}
	if _, cs := plan(t, d, []artifact.Object{next}); !cs.Empty() {
		t.Fatalf("plan after the import at the limit: %+v", cs.Changes)
	}
}

// TestInterruptedDeployRollsBack: an apply interrupted (its context
// cancelled: Ctrl-C, a CI job's timeout) while it waits for a deployment
// still rolls back to the revision that served before, rather than leaving
// an unverified revision rolling out behind an error.
func TestInterruptedDeployRollsBack(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{ReadyAfter: 4})
	byHand := driver(t, hs)
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	deployRaw(t, byHand, "orders", importRaw(t, byHand, "orders", unstamped(t, proxy)))
	// A new deployment answers PROGRESSING to four polls: the interrupt
	// comes while the apply waits, at its first poll of revision 2.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := driver(t, hs, func(c *Config) {
		c.DeployTimeout, c.PollInterval = time.Minute, 40*time.Millisecond
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/revisions/2/deployments") {
				cancel()
			}
			return hs.Client().Transport.RoundTrip(r)
		})}
	})
	next := editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. Next.")
	err := d.Apply(ctx, change(next, apply.Update), next)
	mustContain(t, "error", errString(err), "apigee proxy orders", "rolled back to revision 1")
	if dep, _ := d.deployedHere(context.Background(), "orders"); dep != 1 {
		t.Fatalf("revision %d deployed after the interrupted apply; want 1, which served before", dep)
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
