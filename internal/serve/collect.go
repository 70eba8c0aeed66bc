package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/apply/apigee"
	"github.com/lingate/lingate/apply/linstor"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/schema"
)

// Systems are the live systems of an environment, in the order read.
var Systems = []string{artifact.SystemLinstor, artifact.SystemApigee}

// Error kinds of lingate_read_errors_total.
const (
	ErrPolicies    = "policies"    // the policies did not load or compile
	ErrConnect     = "connect"     // the drivers could not be built (credentials, sandbox state)
	ErrUnreachable = "unreachable" // no answer: connection refused, reset, DNS
	ErrTimeout     = "timeout"     // the read ran out of time
	ErrAPI         = "api"         // the system answered with an error
)

// healthReader is what apply/linstor's Driver offers serve.
type healthReader interface {
	ReadHealth(ctx context.Context, groups []string) (linstor.Health, error)
}

// statusReader is what apply/apigee's Driver offers serve.
type statusReader interface {
	Status(ctx context.Context, desired []artifact.Object) ([]apigee.ProxyStatus, error)
}

// readEnv reads one environment: the policies, each system's managed
// objects (drift) and its health or deployments. A failure keeps the
// previous values, marked stale, and counts an error.
func (c *Collector) readEnv(ctx context.Context, env string) {
	start := c.now()
	defer func() { c.duration.WithLabelValues(env).Observe(c.now().Sub(start).Seconds()) }()
	opts := c.opts.Live
	opts.Envs = []string{env}
	opts.Adopt = nil
	res, err := plan.Open(ctx, opts)
	if err != nil {
		kind := ErrPolicies
		var ce *connectError
		if errors.As(err, &ce) {
			kind = classify(ce.err, ErrConnect)
		}
		c.failAll(env, kind, err)
		return
	}
	defer func() {
		if err := res.Close(); err != nil {
			c.logf("serve %s: close: %v", env, err)
		}
	}()
	c.setJoins(env, joinsOf(res.Config, env))
	desired := map[string][]artifact.Object{}
	for _, set := range res.Head {
		for _, o := range set.Objects {
			desired[o.System] = append(desired[o.System], o)
		}
	}
	var wg sync.WaitGroup
	for _, sys := range Systems {
		d := res.Drivers[apply.Target{Env: env, System: sys}]
		if d == nil {
			continue
		}
		wg.Go(func() {
			st, err := c.safeRead(ctx, env, d, desired[sys], res.Config.Environments[env].Prune)
			c.record(env, sys, st, err)
		})
	}
	wg.Wait()
}

// safeRead is readSystem with a panic turned into an error: a reader's
// bug costs one read, never the process.
func (c *Collector) safeRead(ctx context.Context, env string, d apply.Driver, desired []artifact.Object, prune bool) (st *systemState, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, fmt.Errorf("serve %s %s: internal error: %v", env, d.System(), r)
		}
	}()
	return c.readSystem(ctx, env, d, desired, prune)
}

// readSystem reads one system: its objects compared with the policies,
// then its health (LINSTOR) or deployments (Apigee).
func (c *Collector) readSystem(ctx context.Context, env string, d apply.Driver, desired []artifact.Object, prune bool) (*systemState, error) {
	live, err := d.Read(ctx, desired)
	if err != nil {
		return nil, err
	}
	cs := apply.Compare([]apply.Pair{{Env: env, Base: live.Objects, Head: desired, Prune: prune}})
	var foreign []apply.Ref
	for _, o := range live.Foreign {
		foreign = append(foreign, apply.Ref{Env: env, System: o.System, Kind: o.Kind, Name: o.Name})
	}
	st := &systemState{Read: c.now(), Drift: driftOf(cs, foreign), Kinds: kindsOf(d.System(), desired)}
	switch r := d.(type) {
	case healthReader:
		h, err := r.ReadHealth(ctx, c.joins(env).groups())
		if err != nil {
			return nil, err
		}
		st.Health = &h
		if br, ok := d.(backupReader); ok {
			if st.Backups, err = readBackups(ctx, br, c.joins(env).Backups); err != nil {
				return nil, err
			}
		}
		if c.opts.AfterHealth != nil {
			if err := c.opts.AfterHealth(ctx, env, d); err != nil {
				c.logf("serve %s: %v", env, err)
			}
		}
	case statusReader:
		ps, err := r.Status(ctx, desired)
		if err != nil {
			return nil, err
		}
		st.Proxies = ps
	}
	return st, nil
}

// kindsOf are the kinds lingate manages in a system.
func kindsOf(system string, desired []artifact.Object) []string {
	kinds := []string{artifact.KindResourceGroup}
	if system == artifact.SystemApigee {
		kinds = []string{artifact.KindProduct, artifact.KindProxy}
	}
	for _, o := range desired {
		if !slices.Contains(kinds, o.Kind) {
			kinds = append(kinds, o.Kind)
		}
	}
	slices.Sort(kinds)
	return kinds
}

// classify names the kind of a read error; fallback when nothing more
// specific is known.
func classify(err error, fallback string) string {
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout
	case errors.As(err, &op):
		return ErrUnreachable
	}
	return fallback
}

// connectError marks a failure to open an environment's drivers, as
// opposed to loading the policies.
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// markConnect wraps a Connector so that its failures are told apart from
// the policies'.
func markConnect(connect plan.Connector) plan.Connector {
	return func(ctx context.Context, env *schema.Environment, cfg *schema.Config, commit string) (map[string]apply.Driver, func() error, error) {
		d, closer, err := connect(ctx, env, cfg, commit)
		if err != nil {
			return nil, nil, &connectError{err: fmt.Errorf("connect: %w", err)}
		}
		return d, closer, nil
	}
}

// logf writes one line to the log, when there is one.
func (c *Collector) logf(format string, args ...any) {
	if c.opts.Log != nil {
		c.opts.Log(fmt.Sprintf(format, args...))
	}
}

// now is the collector's clock.
func (c *Collector) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}
