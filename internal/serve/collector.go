// Package serve is `lingate serve`: every interval it reads each
// environment's live state through the same drivers plan and apply use
// (read-only calls only) and exposes it as Prometheus metrics, with the
// joins only lingate knows (product -> proxy -> tier -> resource group).
package serve

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/plan"
)

// Options say what to read and how.
type Options struct {
	// Live names the policies (folder or git revision) and opens each
	// environment's drivers; Envs and Adopt are set per read.
	Live plan.LiveOptions
	// Envs are the environments read.
	Envs []string
	// Root is the folder holding .lingate/ (for the audit log); "" reads none.
	Root string
	// Version is lingate's version, for lingate_build_info.
	Version string
	// Timeout bounds one environment's read (default 1 minute).
	Timeout time.Duration
	// Now is the clock (time.Now when nil); Log receives one line per
	// failed read (nil: none). Log lines never hold credentials: they are
	// the drivers' errors, which redact them.
	Now func() time.Time
	Log func(string)
	// AfterHealth, when set, is called with each LINSTOR driver after its
	// health was read (lingate serve refreshes placement there); its error
	// is logged and never fails the read.
	AfterHealth func(ctx context.Context, env string, d apply.Driver) error
	// Handlers are served beside /metrics, by mux pattern.
	Handlers map[string]http.Handler
}

// Collector holds the last state read of every environment and exposes it.
type Collector struct {
	opts     Options
	mu       sync.Mutex
	envs     map[string]*envState
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	reg      *prometheus.Registry
}

// New returns a Collector with its registry: lingate's metrics, Go's and
// the process's.
func New(opts Options) *Collector {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	opts.Live.Connect = markConnect(opts.Live.Connect)
	c := &Collector{opts: opts, envs: map[string]*envState{}, reg: prometheus.NewRegistry()}
	c.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lingate_read_errors_total",
		Help: "Failed reads of an environment's system, by kind of error (policies, connect, unreachable, timeout, api)."},
		[]string{"env", "system", "kind"})
	c.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "lingate_read_duration_seconds",
		Help: "How long one read of an environment took.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)},
		[]string{"env"})
	for _, env := range opts.Envs {
		c.envs[env] = &envState{Systems: map[string]*systemState{}}
		c.duration.WithLabelValues(env)
		for _, sys := range Systems {
			for _, kind := range []string{ErrPolicies, ErrConnect, ErrUnreachable, ErrTimeout, ErrAPI} {
				c.errors.WithLabelValues(env, sys, kind)
			}
		}
	}
	c.reg.MustRegister(c.errors, c.duration, (*stateCollector)(c), buildInfo(opts.Version),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return c
}

// Registry is what /metrics serves.
func (c *Collector) Registry() *prometheus.Registry { return c.reg }

// Read reads every environment once, all at the same time, each within
// the timeout.
func (c *Collector) Read(ctx context.Context) {
	var wg sync.WaitGroup
	for _, env := range c.opts.Envs {
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
			defer cancel()
			c.readEnv(rctx, env)
		})
	}
	wg.Wait()
}

// Ready reports whether every environment was read once, each system at
// least once successfully.
func (c *Collector) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.envs {
		if !e.Ready {
			return false
		}
	}
	return true
}

// setJoins records what the policies say about env.
func (c *Collector) setJoins(env string, j joins) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.envs[env].Joins = j
}

func (c *Collector) joins(env string) joins {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.envs[env].Joins
}

// record keeps a system's read, or on err counts it and marks the last
// values stale.
func (c *Collector) record(env, sys string, st *systemState, err error) {
	if err != nil {
		c.fail(env, sys, classify(err, ErrAPI), err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.envs[env]
	e.Systems[sys] = st
	e.Ready = len(e.Systems) == len(Systems)
	for _, s := range e.Systems {
		e.Ready = e.Ready && !s.Read.IsZero()
	}
}

// failAll fails every system of env.
func (c *Collector) failAll(env, kind string, err error) {
	for _, sys := range Systems {
		c.fail(env, sys, kind, err)
	}
}

func (c *Collector) fail(env, sys, kind string, err error) {
	c.errors.WithLabelValues(env, sys, kind).Inc()
	c.logf("serve %s %s: read failed (%s): %v", env, sys, kind, err)
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.envs[env].Systems[sys]; st != nil {
		st.Stale = true
	}
}
