package github

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// RetryOptions bound how rate-limited calls are retried.
type RetryOptions struct {
	// Attempts is how many times a call is sent at most (default 5).
	Attempts int
	// MaxWait caps one wait (default 60 s); a longer reset fails the call.
	MaxWait time.Duration
	// Sleep waits (default: a timer that stops with the context).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.MaxWait <= 0 {
		o.MaxWait = time.Minute
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rateLimitTransport retries the calls GitHub refused for rate limiting:
// 429 (with Retry-After), 403 with X-RateLimit-Remaining: 0 (until
// X-RateLimit-Reset) and 403 with Retry-After (secondary limits). GitHub
// did nothing with a refused call, so any method may be sent again. The
// go-github client never sees these responses unless the retries run out,
// so it does not stop calling on its own.
type rateLimitTransport struct {
	next http.RoundTripper
	opts RetryOptions
}

func (t *rateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		r := req.Clone(req.Context())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		wait, limited := t.waitFor(resp)
		if !limited || attempt >= t.opts.Attempts || wait > t.opts.MaxWait {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err := t.opts.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}

// waitFor says whether resp is a rate-limit refusal and how long to wait.
func (t *rateLimitTransport) waitFor(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusForbidden {
		return 0, false
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(t.opts.Now())+time.Second, time.Second), true
		}
		return time.Minute, true
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return time.Minute, true
	}
	return 0, false
}
