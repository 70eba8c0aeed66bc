// Package targets opens the live systems of an environment for plan and
// apply: a sandbox environment's embedded emulators, served on loopback
// from inside the process with their state under .lingate/sandbox/<env>/,
// or the real Apigee organization and LINSTOR controllers with the
// credentials of the process environment.
package targets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/apply/apigee"
	"github.com/lingate/lingate/apply/linstor"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/sandbox"
	"github.com/lingate/lingate/schema"
)

// Options say how to reach the targets.
type Options struct {
	// Root is the folder holding .lingate/ (the policies folder's parent).
	Root string
	// Getenv reads APIGEE_ACCESS_TOKEN, LS_* and LS_CONTROLLERS.
	Getenv func(string) string
	// Retry bounds retries of every call.
	Retry apply.RetryPolicy
	// DeployTimeout and PollInterval tune the wait for Apigee deployments
	// (the drivers' defaults when zero).
	DeployTimeout, PollInterval time.Duration
	// Serve is what sandboxes are served with (faults, latency, a request
	// log), for tests; addresses are chosen by the system.
	Serve sandbox.ServeOptions
	// InMemory keeps sandbox state in memory instead of under Root, for
	// benchmarks (the emulators save their state on every change).
	InMemory bool
	// CallsPerSecond caps calls to each Apigee organization
	// (apply.ApigeeCallsPerSecond when zero).
	CallsPerSecond float64
}

// Connector returns the plan.Connector that opens environments as opts say.
// Every environment of one Apigee organization shares one client-side rate
// limit (CallsPerSecond).
func Connector(opts Options) plan.Connector {
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	limits := map[string]*rate.Limiter{}
	limiter := func(key string) *rate.Limiter {
		if l, ok := limits[key]; ok {
			return l
		}
		perSecond := opts.CallsPerSecond
		if perSecond == 0 {
			perSecond = apply.ApigeeCallsPerSecond
		}
		l := rate.NewLimiter(rate.Limit(perSecond), max(1, int(perSecond/10)))
		limits[key] = l
		return l
	}
	return func(ctx context.Context, env *schema.Environment, cfg *schema.Config, commit string) (map[string]apply.Driver, func() error, error) {
		if env.Sandbox {
			return opts.sandbox(env, cfg, commit)
		}
		return opts.real(ctx, env, commit, limiter(env.Apigee.Endpoint+"|"+env.Apigee.Organization))
	}
}

// SandboxPollInterval is how often a sandbox deployment's status is read.
const SandboxPollInterval = 50 * time.Millisecond

// sandbox starts the environment's emulators in-process.
// The emulators have no quota: no client-side rate limit.
func (o Options) sandbox(env *schema.Environment, cfg *schema.Config, commit string) (map[string]apply.Driver, func() error, error) {
	dir := sandbox.StateDir(o.Root, env.Name)
	if o.InMemory {
		dir = ""
	}
	run, err := sandbox.Start(dir, sandbox.SeedFor(cfg, env.Name), o.Serve)
	if err != nil {
		return nil, nil, fmt.Errorf("environment %s: %w", env.Name, err)
	}
	hc := &http.Client{Transport: http.DefaultTransport}
	ac := o.apigeeConfig(env, run.Apigee, commit, hc)
	if ac.PollInterval == 0 {
		ac.PollInterval = SandboxPollInterval // the emulator deploys at once
	}
	a, err := apigee.New(ac)
	if err != nil {
		return nil, nil, errors.Join(err, run.Stop())
	}
	l, err := linstor.New(linstor.Config{Env: env.Name, Commit: commit, Controllers: []string{run.Linstor}, Retry: o.Retry})
	if err != nil {
		return nil, nil, errors.Join(err, run.Stop())
	}
	return drivers(a, l), run.Stop, nil
}

// real reaches the environment's Apigee organization (APIGEE_ACCESS_TOKEN
// or Application Default Credentials) and LINSTOR controllers (LS_*
// variables; LS_CONTROLLERS replaces the policies' list).
func (o Options) real(ctx context.Context, env *schema.Environment, commit string, lim *rate.Limiter) (map[string]apply.Driver, func() error, error) {
	hc, err := apigee.HTTPClientFromEnv(ctx, o.Getenv, apply.RateLimited(nil, lim))
	if err != nil {
		return nil, nil, fmt.Errorf("environment %s: %w", env.Name, err)
	}
	a, err := apigee.New(o.apigeeConfig(env, env.Apigee.Endpoint, commit, hc))
	if err != nil {
		return nil, nil, err
	}
	controllers := env.Linstor.Controllers
	if v := strings.TrimSpace(o.Getenv("LS_CONTROLLERS")); v != "" {
		controllers = strings.Split(v, ",")
	}
	l, err := linstor.New(linstor.Config{Env: env.Name, Commit: commit, Controllers: controllers, Retry: o.Retry, Getenv: o.Getenv})
	if err != nil {
		return nil, nil, err
	}
	return drivers(a, l), func() error { return nil }, nil
}

func (o Options) apigeeConfig(env *schema.Environment, endpoint, commit string, hc *http.Client) apigee.Config {
	return apigee.Config{
		Env: env.Name, Endpoint: endpoint, Organization: env.Apigee.Organization, Environment: env.Apigee.Environment,
		Commit: commit, HTTPClient: hc, KeepRevisions: env.Apigee.KeepRevisions,
		DeployTimeout: o.DeployTimeout, PollInterval: o.PollInterval, Retry: o.Retry,
	}
}

func drivers(a *apigee.Driver, l *linstor.Driver) map[string]apply.Driver {
	return map[string]apply.Driver{artifact.SystemApigee: a, artifact.SystemLinstor: l}
}
