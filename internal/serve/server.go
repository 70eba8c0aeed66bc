package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics, /healthz (200 while the process runs: a
// liveness probe) and /readyz (200 once every environment's systems were
// read once, 503 before: a readiness probe).
func (c *Collector) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !c.Ready() {
			http.Error(w, "not ready: not every environment has been read yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	for pattern, h := range c.opts.Handlers {
		mux.Handle(pattern, h)
	}
	return mux
}

// Run serves the Handler on addr and reads every environment at once and
// then every interval, until ctx ends. listening is called with the
// address served once the listener is up.
func (c *Collector) Run(ctx context.Context, addr string, interval time.Duration, listening func(net.Addr)) error {
	if interval <= 0 {
		return fmt.Errorf("serve: interval %s: expected a positive duration", interval)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	if listening != nil {
		listening(l.Addr())
	}
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		c.loop(ctx, interval)
	}()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	<-loopDone
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	if shutErr != nil {
		return fmt.Errorf("serve: shutdown: %w", shutErr)
	}
	return nil
}

// loop reads at once and then every interval until ctx ends.
func (c *Collector) loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		c.Read(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
