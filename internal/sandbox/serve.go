package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lingate/lingate/internal/emulator"
	"github.com/lingate/lingate/internal/emulator/apigee"
	"github.com/lingate/lingate/internal/emulator/linstor"
)

// ServeOptions says where and how to serve a sandbox.
type ServeOptions struct {
	// ApigeeAddr and LinstorAddr are loopback host:port pairs; port 0 picks one.
	ApigeeAddr, LinstorAddr string
	// Faults, Seed and Latency are passed to every request: see
	// emulator.Options. Each emulator fails as its real system does
	// (apigee.Faults, linstor.Faults), from its own stream of the seed.
	Faults  float64
	Seed    uint64
	Latency time.Duration
	// Log, when set, records every request.
	Log *emulator.RequestLog
	// ShutdownTimeout bounds how long in-flight requests may take after ctx ends.
	ShutdownTimeout time.Duration
}

// Endpoints are the base URLs a running sandbox serves.
type Endpoints struct {
	Apigee, Linstor string
}

// Serve serves both emulators over HTTP until ctx ends, then lets in-flight
// requests finish, saves the state and returns. ready is called once both
// listeners are up.
//
// A sandbox with a state folder is locked while it is served (LockState):
// a second process serving the same folder fails at once. A sandbox from
// OpenLocked was locked before its state was read and stays so.
func (s *Sandbox) Serve(ctx context.Context, opts ServeOptions, ready func(Endpoints)) (err error) {
	if release := s.held; release != nil {
		s.held = nil
		defer func() { err = errors.Join(err, release()) }()
	} else if s.Dir != "" {
		release, err := LockState(s.Dir)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, release()) }()
	}
	al, err := listen(opts.ApigeeAddr)
	if err != nil {
		return fmt.Errorf("sandbox apigee: %w", err)
	}
	ll, err := listen(opts.LinstorAddr)
	if err != nil {
		al.Close()
		return fmt.Errorf("sandbox linstor: %w", err)
	}
	eo := emulator.Options{FaultRate: opts.Faults, Seed: opts.Seed, Latency: opts.Latency, Log: opts.Log}
	ao, lo := eo, eo
	ao.Profile, lo.Profile = apigee.Faults, linstor.Faults
	servers := []*http.Server{
		{Handler: emulator.Wrap(s.Apigee, ao), ReadHeaderTimeout: 10 * time.Second},
		{Handler: emulator.Wrap(s.Linstor, lo), ReadHeaderTimeout: 10 * time.Second},
	}
	errc := make(chan error, 2)
	for i, l := range []net.Listener{al, ll} {
		go func() { errc <- servers[i].Serve(l) }()
	}
	if ready != nil {
		ready(Endpoints{Apigee: "http://" + al.Addr().String(), Linstor: "http://" + ll.Addr().String()})
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	return errors.Join(serveErr, shutdown(servers, opts.ShutdownTimeout), s.Save())
}

// listen opens addr, which must be a loopback address: the emulators have no
// authentication, so they are never exposed beyond this machine.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w (expected HOST:PORT)", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("address %q is not a loopback address (expected 127.0.0.1, ::1 or localhost: the emulators have no authentication)", addr)
	}
	return net.Listen("tcp", addr)
}

func shutdown(servers []*http.Server, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: shutdown: %w", err))
		}
	}
	return errors.Join(errs...)
}
