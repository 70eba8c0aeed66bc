package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/lingate/lingate/schema"
)

// Running is a sandbox served on loopback from inside this process, so an
// apply drives the emulators through the same HTTP clients as real
// targets. Stop it to save its state.
type Running struct {
	Endpoints
	cancel context.CancelFunc
	done   chan error
}

// Start opens the sandbox state in dir (new ones seeded with seed) and
// serves it on loopback ports chosen by the system, with the faults,
// latency and request log of opts (its addresses are ignored).
func Start(dir string, seed Seed, opts ServeOptions) (*Running, error) {
	sb, err := Open(dir, seed)
	if err != nil {
		return nil, err
	}
	opts.ApigeeAddr, opts.LinstorAddr = "127.0.0.1:0", "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{cancel: cancel, done: make(chan error, 1)}
	ready := make(chan Endpoints, 1)
	go func() { r.done <- sb.Serve(ctx, opts, func(e Endpoints) { ready <- e }) }()
	select {
	case r.Endpoints = <-ready:
		return r, nil
	case err := <-r.done:
		cancel()
		return nil, fmt.Errorf("sandbox %s: %w", dir, err)
	}
}

// Stop ends serving, lets requests in flight finish and saves the state.
func (r *Running) Stop() error {
	r.cancel()
	return <-r.done
}

// TargetServersFor names the Apigee TargetServers that the products
// deployed to env reach their backends through, sorted.
func TargetServersFor(cfg *schema.Config, env string) []string {
	var names []string
	add := func(t *schema.Target) {
		if t != nil && t.Server != "" && !slices.Contains(names, t.Server) {
			names = append(names, t.Server)
		}
	}
	for _, name := range schema.Names(cfg.Products) {
		p := cfg.Products[name]
		if !slices.Contains(p.Environments, env) {
			continue
		}
		add(p.Target)
		for _, t := range p.Targets {
			add(t)
		}
	}
	slices.Sort(names)
	return names
}

// EnsureTargetServers creates, in the Apigee environment org/env of the
// running sandbox, each TargetServer of names that does not exist yet,
// pointing at <name>.sandbox.invalid:443: a real organization holds the
// TargetServers its proxies name before they deploy, and lingate does not
// manage them.
func (r *Running) EnsureTargetServers(ctx context.Context, org, env string, names []string) error {
	base := r.Apigee + "/v1/organizations/" + url.PathEscape(org) + "/environments/" + url.PathEscape(env) + "/targetservers"
	for _, name := range names {
		status, err := call(ctx, http.MethodGet, base+"/"+url.PathEscape(name), nil)
		if err != nil {
			return fmt.Errorf("sandbox target server %s: %w", name, err)
		}
		if status == http.StatusOK {
			continue
		}
		body, _ := json.Marshal(map[string]any{"name": name, "host": name + ".sandbox.invalid", "port": 443, "isEnabled": true,
			"sSLInfo": map[string]any{"enabled": true}})
		status, err = call(ctx, http.MethodPost, base, body)
		if err != nil {
			return fmt.Errorf("sandbox target server %s: %w", name, err)
		}
		if status != http.StatusOK && status != http.StatusConflict {
			return fmt.Errorf("sandbox target server %s: create: HTTP %d", name, status)
		}
	}
	return nil
}

// call sends one request to the sandbox and returns its status, trying
// again on a connection error, 429 or 5xx (a sandbox may be serving with
// faults): both requests it sends may be repeated.
func call(ctx context.Context, method, u string, body []byte) (int, error) {
	var status int
	var err error
	for try := range 10 {
		status, err = callOnce(ctx, method, u, body)
		if err == nil && status != http.StatusTooManyRequests && status < 500 {
			return status, nil
		}
		select {
		case <-time.After(time.Duration(try+1) * 50 * time.Millisecond):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if err == nil {
		err = fmt.Errorf("%s %s: HTTP %d", method, u, status)
	}
	return 0, err
}

func callOnce(ctx context.Context, method, u string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
