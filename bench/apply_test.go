// Package bench_test measures lingate against its embedded emulators.
package bench_test

import (
	"context"
	"math"
	"path"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/emulator"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/sandbox"
	"github.com/lingate/lingate/internal/targets"
	"github.com/lingate/lingate/internal/testgen"
)

// latency is what every emulator call is delayed by.
const latency = 50 * time.Millisecond

// inMemory keeps the sandbox's state in memory: on disk, the emulators
// write and sync their whole state on every change, one change at a time,
// which measures the disk rather than lingate.
const inMemory = true

// BenchmarkApply200Products applies 200 generated products (a proxy and
// an API product each, over three resource groups) to an empty sandbox
// whose every call takes 50 ms, and reports the time against the
// critical-path bound: per stage (resource groups, proxies, products),
// ceil(objects / concurrency) rounds of the calls one object needs, each
// taking the latency. x-bound is the ratio (the target: at most 1.3).
func BenchmarkApply200Products(b *testing.B) {
	fsys := fstest.MapFS{}
	for name, data := range testgen.Files(testgen.Size{Products: 200}) {
		fsys[name] = &fstest.MapFile{Data: data}
	}
	var ratio, secs, boundSecs float64
	for b.Loop() {
		b.StopTimer()
		log := &emulator.RequestLog{}
		root := b.TempDir()
		connect := targets.Connector(targets.Options{Root: root, InMemory: inMemory, Serve: sandbox.ServeOptions{Latency: latency, Log: log}})
		p, err := plan.Live(context.Background(), plan.LiveOptions{Policies: path.Join(root, "policies"), FS: fsys, Dir: "policies",
			Envs: []string{"sandbox"}, Connect: connect})
		if err != nil {
			b.Fatal(err)
		}
		before := len(log.Entries())
		b.StartTimer()
		start := time.Now()
		res, err := apply.Execute(context.Background(), p.View.Changes, p.Head, p.Drivers, apply.ExecOptions{})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || res.Err() != nil {
			b.Fatal(err, res.Err())
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		bound := criticalPath(p.View.Changes, log.Entries()[before:], apply.DefaultConcurrency)
		ratio, secs, boundSecs = elapsed.Seconds()/bound.Seconds(), elapsed.Seconds(), bound.Seconds()
		b.StartTimer()
	}
	b.ReportMetric(secs, "s/apply")
	b.ReportMetric(boundSecs, "s/bound")
	b.ReportMetric(ratio, "x-bound")
}

// criticalPath is the least time the changes can take at the concurrency:
// per stage, the calls each object needs (counted in the log) one after
// the other, and for a proxy the pauses between polls of its deployment's
// status, for ceil(objects / concurrency) rounds.
func criticalPath(cs apply.ChangeSet, entries []emulator.Entry, concurrency int) time.Duration {
	objects := map[string]int{}
	for _, c := range cs.Changes {
		objects[c.Kind]++
	}
	calls := map[string]int{}
	polls := 0
	for _, e := range entries {
		calls[stageOf(e.Path)]++
		if e.Method == "GET" && strings.HasSuffix(e.Path, "/deployments") && strings.Contains(e.Path, "/revisions/") {
			polls++
		}
	}
	pauses := time.Duration(0)
	if n := objects[artifact.KindProxy]; n > 0 && polls > n {
		pauses = time.Duration(float64(polls-n) / float64(n) * float64(targets.SandboxPollInterval))
	}
	var total time.Duration
	for _, kind := range []string{artifact.KindResourceGroup, artifact.KindProxy, artifact.KindProduct} {
		n := objects[kind]
		if n == 0 {
			continue
		}
		perObject := float64(calls[kind]) / float64(n)
		rounds := math.Ceil(float64(n) / float64(concurrency))
		total += time.Duration(rounds * perObject * float64(latency))
		if kind == artifact.KindProxy {
			total += time.Duration(rounds * float64(pauses))
		}
	}
	return total
}

// stageOf says which stage a call belongs to, by its path.
func stageOf(p string) string {
	switch {
	case strings.Contains(p, "/resource-groups"):
		return artifact.KindResourceGroup
	case strings.Contains(p, "/apiproducts"):
		return artifact.KindProduct
	case strings.Contains(p, "/apis/"), strings.HasSuffix(p, "/apis"), strings.Contains(p, "/deployments"):
		return artifact.KindProxy
	}
	return "other"
}
