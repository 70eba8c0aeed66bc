package serve

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/apply/apigee"
	"github.com/lingate/lingate/apply/linstor"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/sandbox"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// BenchmarkReadCycle is one read of a sandbox holding 1,000 applied
// products and 5,000 resources spawned from their tiers, through
// emulators answering every request after 10 ms; it reports the heap in
// use after the reads (heap-MB).
func BenchmarkReadCycle(b *testing.B) {
	const products, resources = 1000, 5000
	root := b.TempDir()
	if err := testgen.WriteDir(root, testgen.Files(testgen.Size{Products: products, Roles: products})); err != nil {
		b.Fatal(err)
	}
	clearLinstorEnv(b)
	cfg, err := schema.Load(os.DirFS(root), "policies")
	if err != nil {
		b.Fatal(err)
	}
	sb, err := sandbox.Open("", sandbox.SeedFor(cfg, "sandbox"))
	if err != nil {
		b.Fatal(err)
	}
	fast := serveSandbox(b, sb, 0)
	slow := serveSandbox(b, sb, 10*time.Millisecond)
	live := plan.LiveOptions{Policies: filepath.Join(root, "policies"), FS: os.DirFS(root), Dir: "policies", Envs: []string{"sandbox"}}

	// Set up through the fast endpoints: apply, then spawn.
	live.Connect = connectTo(fast)
	p, err := plan.Live(context.Background(), live)
	if err != nil {
		b.Fatal(err)
	}
	res, err := apply.Execute(context.Background(), p.View.Changes, p.Head, p.Drivers, apply.ExecOptions{Concurrency: 16})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		b.Fatal(err)
	}
	sizes := []int64{1024}
	for i, g := range []string{"fast", "standard", "archive"} {
		var names []string
		for n := i; n < resources; n += 3 {
			names = append(names, fmt.Sprintf("r-%05d", n))
		}
		if err := sb.Linstor.SpawnMany(g, names, sizes); err != nil {
			b.Fatal(err)
		}
	}

	live.Connect = connectTo(slow)
	c := New(Options{Live: live, Envs: []string{"sandbox"}, Version: "bench"})
	b.ResetTimer()
	for b.Loop() {
		c.Read(context.Background())
	}
	b.StopTimer()
	if !c.Ready() {
		b.Fatal("a read failed")
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
}

// serveSandbox serves sb on loopback with a latency until the benchmark ends.
func serveSandbox(b *testing.B, sb *sandbox.Sandbox, latency time.Duration) sandbox.Endpoints {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan sandbox.Endpoints, 1)
	done := make(chan error, 1)
	go func() {
		done <- sb.Serve(ctx, sandbox.ServeOptions{ApigeeAddr: "127.0.0.1:0", LinstorAddr: "127.0.0.1:0", Latency: latency},
			func(e sandbox.Endpoints) { ready <- e })
	}()
	b.Cleanup(func() { cancel(); <-done })
	select {
	case e := <-ready:
		return e
	case err := <-done:
		b.Fatal(err)
	}
	return sandbox.Endpoints{}
}

// connectTo opens drivers for the sandbox served at ends.
func connectTo(ends sandbox.Endpoints) plan.Connector {
	return func(_ context.Context, env *schema.Environment, _ *schema.Config, commit string) (map[string]apply.Driver, func() error, error) {
		a, err := apigee.New(apigee.Config{Env: env.Name, Endpoint: ends.Apigee, Organization: env.Apigee.Organization,
			Environment: env.Apigee.Environment, Commit: commit, HTTPClient: &http.Client{}, PollInterval: 5 * time.Millisecond})
		if err != nil {
			return nil, nil, err
		}
		l, err := linstor.New(linstor.Config{Env: env.Name, Commit: commit, Controllers: []string{ends.Linstor}})
		if err != nil {
			return nil, nil, err
		}
		return map[string]apply.Driver{artifact.SystemApigee: a, artifact.SystemLinstor: l}, func() error { return nil }, nil
	}
}
