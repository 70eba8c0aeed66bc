package linstor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	cl "github.com/lingate/lingate/compile/linstor"
	emu "github.com/lingate/lingate/internal/emulator"
)

// lossy lets the first request matching each fault through to the
// controller and then loses the answer: a reset connection, or a 500 from
// something in between. Later requests pass.
type lossy struct {
	base   http.RoundTripper
	mu     sync.Mutex
	faults map[string]int // "POST /v1/resource-groups" → status to answer, 0 for a reset
	hit    map[string]int
}

func (l *lossy) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	key := req.Method + " " + req.URL.Path
	l.mu.Lock()
	status, fault := l.faults[key]
	if fault {
		delete(l.faults, key)
		l.hit[key]++
	}
	l.mu.Unlock()
	if !fault {
		return resp, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if status == 0 {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{},
		Body: io.NopCloser(strings.NewReader("upstream connect error")), Request: req}, nil
}

// TestLostResponsesConverge: the create of a group and of a volume group
// reach the controller but their answers are lost (a reset, a 500 from a
// proxy), and a modify fails with 503 once; the apply re-reads, does not
// create twice, and converges.
func TestLostResponsesConverge(t *testing.T) {
	c := newCluster(t)
	l := &lossy{base: http.DefaultTransport, hit: map[string]int{}, faults: map[string]int{
		"POST /v1/resource-groups":                       0,
		"POST /v1/resource-groups/fast/volume-groups":    http.StatusInternalServerError,
		"PUT /v1/resource-groups/standard":               http.StatusServiceUnavailable,
		"POST /v1/resource-groups/archive/volume-groups": 0,
	}}
	policy := apply.RetryPolicy{Initial: time.Millisecond, MaxInterval: 5 * time.Millisecond}
	d := c.driver(t, "sandbox", func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: &apply.Transport{Base: l, Policy: policy}}
	})
	want := desired(t, "sandbox")
	converge(t, d, want)
	for k := range l.faults {
		t.Errorf("fault %s never happened", k)
	}
	vgs, err := c.gl.ResourceGroups.GetVolumeGroups(context.Background(), "fast")
	if err != nil || len(vgs) != 1 {
		t.Errorf("fast has volume groups %+v (%v), want exactly one", vgs, err)
	}
}

// TestCreateGivesUpOnRefusal: LINSTOR's own refusal of a create is not
// retried and comes back with the server's message.
func TestCreateGivesUpOnRefusal(t *testing.T) {
	c := newCluster(t)
	d := c.driver(t, "sandbox")
	bad := edit(t, desired(t, "sandbox"), "fast", func(g *cl.Group) { g.SelectFilter.LayerStack = []string{"NOPE"} })
	start := time.Now()
	err := d.Apply(context.Background(), apply.Change{Ref: ref("fast"), Action: apply.Create}, find(bad, "fast"))
	requireContains(t, "refused create", errString(err), "linstor resource group fast: create:", "NOPE")
	if time.Since(start) > 2*time.Second {
		t.Errorf("a refusal took %v: retried?", time.Since(start))
	}
}

// refusedURL is a loopback URL nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestControllerFailover: the first controller refuses connections, the
// second answers; with none answering, the error names every controller.
func TestControllerFailover(t *testing.T) {
	c := newCluster(t)
	down := refusedURL(t)
	d := c.driver(t, "sandbox", func(cfg *Config) { cfg.Controllers = []string{down, c.ts.URL} })
	converge(t, d, desired(t, "sandbox"))

	down2 := refusedURL(t)
	none := c.driver(t, "sandbox", func(cfg *Config) {
		cfg.Controllers = []string{down, down2}
		cfg.Retry.MaxTries = 2
	})
	_, err := none.Read(context.Background(), nil)
	requireContains(t, "error", errString(err), "no LINSTOR controller answered", strings.TrimPrefix(down, "http://"), strings.TrimPrefix(down2, "http://"))
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("the cause is lost: %v", err)
	}
}

// TestInterruptedCreateIsFinished: an apply killed after the POST of a
// create and before the modify that writes the marker leaves a bare group;
// the next plan reads it as lingate's (an update), not as foreign, and the
// apply finishes it and clears the in-progress mark.
func TestInterruptedCreateIsFinished(t *testing.T) {
	c := newCluster(t)
	d := c.driver(t, "sandbox")
	want := desired(t, "sandbox")
	ctx := context.Background()
	if err := d.setPending(ctx, "fast"); err != nil {
		t.Fatal(err)
	}
	if err := c.gl.ResourceGroups.Create(ctx, client.ResourceGroup{Name: "fast"}); err != nil {
		t.Fatal(err)
	}
	cs, live := plan(t, d, want, true)
	if len(live.Foreign) != 0 || find(live.Objects, "fast").Name != "fast" {
		t.Fatalf("the interrupted create reads as foreign: %+v", live.Foreign)
	}
	if ch := changeOf(cs, "fast"); ch.Action != apply.Update && ch.Action != apply.Replace {
		t.Fatalf("fast: %q, want an update or a replace of the bare group", ch.Action)
	}
	applyAll(t, d, cs, want)
	requireEmpty(t, d, want)
	if marks, err := d.pending(ctx); err != nil || len(marks) != 0 {
		t.Errorf("in-progress marks left: %v %v", marks, err)
	}
}

func changeOf(cs apply.ChangeSet, name string) apply.Change {
	for _, c := range cs.Changes {
		if c.Name == name {
			return c
		}
	}
	return apply.Change{}
}

// TestInjectedFaultsConverge applies the example, then an update and a
// prune, to controllers failing a fifth of all requests (429 with
// Retry-After, 500, 503, dropped connections) with several seeds: every
// run ends with live equal to desired.
func TestInjectedFaultsConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("injected 429s wait out their Retry-After")
	}
	clearEnv(t)
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			c := newFaultyCluster(t, emu.Options{FaultRate: 0.2, Seed: seed})
			d := c.driver(t, "sandbox", func(cfg *Config) { cfg.Retry.MaxTries = 12 })
			want := desired(t, "sandbox")
			converge(t, d, want)
			changed := edit(t, want, "standard", func(g *cl.Group) {
				g.Props["DrbdOptions/Net/protocol"] = "A"
				g.SelectFilter.PlaceCount = 3
			})[1:]
			converge(t, d, changed)
		})
	}
}
