package sandbox

import (
	"context"
	"fmt"
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
	sb, err := OpenLocked(dir, seed)
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
