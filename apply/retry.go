package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RetryPolicy bounds retries of calls to Apigee and LINSTOR.
type RetryPolicy struct {
	// MaxTries is how many times one call is tried in all (default 8).
	MaxTries uint
	// MaxElapsed bounds the time spent on one call (default 2 minutes).
	MaxElapsed time.Duration
	// Initial is the first wait (default 200ms); later waits grow
	// exponentially with jitter, up to MaxInterval (default 10s).
	Initial, MaxInterval time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxTries == 0 {
		p.MaxTries = 8
	}
	if p.MaxElapsed == 0 {
		p.MaxElapsed = 2 * time.Minute
	}
	if p.Initial == 0 {
		p.Initial = 200 * time.Millisecond
	}
	if p.MaxInterval == 0 {
		p.MaxInterval = 10 * time.Second
	}
	return p
}

func (p RetryPolicy) options() []backoff.RetryOption {
	p = p.withDefaults()
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = p.Initial
	b.MaxInterval = p.MaxInterval
	return []backoff.RetryOption{
		backoff.WithBackOff(b),
		backoff.WithMaxTries(p.MaxTries),
		backoff.WithMaxElapsedTime(p.MaxElapsed),
	}
}

// Retry runs op until it succeeds, returns an error that is not
// Retryable, or the policy's tries or time run out. Drivers wrap each step
// that is not idempotent in Retry with a re-read at its start, so a step
// whose response was lost is not done twice.
func Retry[T any](ctx context.Context, p RetryPolicy, op func() (T, error)) (T, error) {
	return backoff.Retry(ctx, func() (T, error) {
		v, err := op()
		if err == nil {
			return v, nil
		}
		if !Retryable(err) {
			return v, backoff.Permanent(err)
		}
		var se *StatusError
		var ra *backoff.RetryAfterError
		if errors.As(err, &se) && se.RetryAfter > 0 && !errors.As(err, &ra) {
			// The server said when to come back: wait that long, not less.
			return v, &retryAfterStatus{StatusError: se, ra: &backoff.RetryAfterError{Duration: se.RetryAfter}, err: err}
		}
		return v, err
	}, p.options()...)
}

// StatusError is an HTTP answer that a call did not expect.
type StatusError struct {
	Status int
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Message is the server's error message, already free of secrets.
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// Retryable reports whether err may go away when the call is tried again:
// a 429, a 5xx, or a connection that failed or dropped.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return retryableStatus(se.Status)
	}
	var ra *backoff.RetryAfterError
	if errors.As(err, &ra) {
		return true
	}
	// Anything else that reached here from an HTTP client is a transport
	// error: refused, reset, EOF before the response.
	var te *transportError
	return errors.As(err, &te)
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// transportError marks an error of the connection, not of the server.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// Transport retries idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS)
// that fail with 429, a 5xx or a dropped connection, honouring
// Retry-After. POST, and any request whose context comes from SendOnce, is
// sent once: whether it took effect can only be told by reading, which is
// the driver's job (see Retry).
type Transport struct {
	Base   http.RoundTripper
	Policy RetryPolicy
	// Notify, when set, hears of every retry (for progress output). It
	// receives the method and path only, never headers.
	Notify func(method, path string, err error, wait time.Duration)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if !idempotent(req.Method) || sentOnce(req.Context()) {
		resp, err := base.RoundTrip(req)
		if err != nil && req.Context().Err() == nil {
			// Sent once, but a caller that re-reads first may try again.
			return nil, &transportError{err: err}
		}
		return resp, err
	}
	body, err := snapshotBody(req)
	if err != nil {
		return nil, err
	}
	opts := t.Policy.options()
	if t.Notify != nil {
		opts = append(opts, backoff.WithNotify(func(err error, wait time.Duration) {
			t.Notify(req.Method, req.URL.Path, err, wait)
		}))
	}
	resp, err := backoff.Retry(req.Context(), func() (*http.Response, error) {
		return t.try(base, req, body)
	}, opts...)
	if err == nil {
		return resp, nil
	}
	var se *StatusError
	if resp != nil && errors.As(err, &se) {
		// Out of tries: the caller reads the server's last answer.
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	return nil, err
}

// try sends req once. A retryable status is returned as an error (with
// Retry-After) until the last try, where the response itself comes back.
func (t *Transport) try(base http.RoundTripper, req *http.Request, body []byte) (*http.Response, error) {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, backoff.Permanent(err)
		}
		return nil, &transportError{err: err}
	}
	if !retryableStatus(resp.StatusCode) {
		return resp, nil
	}
	wait := retryAfter(resp.Header.Get("Retry-After"))
	// Keep the last answer for the caller, who reports the server's message.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	se := &StatusError{Status: resp.StatusCode, RetryAfter: wait}
	if wait > 0 {
		return resp, &retryAfterStatus{StatusError: se, ra: &backoff.RetryAfterError{Duration: wait}}
	}
	return resp, se
}

// retryAfterStatus is a status error that also tells backoff how long to
// wait; err, when set, is the error it came wrapped in, whose message it
// keeps.
type retryAfterStatus struct {
	*StatusError
	ra  *backoff.RetryAfterError
	err error
}

func (e *retryAfterStatus) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.StatusError.Error()
}

func (e *retryAfterStatus) Unwrap() []error {
	if e.err != nil {
		return []error{e.err, e.ra}
	}
	return []error{e.StatusError, e.ra}
}

// sendOnceKey marks a context whose requests Transport sends once.
type sendOnceKey struct{}

// SendOnce returns a context whose requests Transport sends once, as it
// sends a POST, whatever their method: for a step that is idempotent by
// method but not in effect, such as deleting a lock entry that another
// holder may have created again after a try whose answer was lost. The
// driver retries such a step itself with Retry, re-reading first.
func SendOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, sendOnceKey{}, true)
}

func sentOnce(ctx context.Context) bool { return ctx.Value(sendOnceKey{}) != nil }

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// snapshotBody reads a request body once so every try can send it.
func snapshotBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading request body: %w", req.Method, req.URL.Path, err)
	}
	return data, nil
}

// RetryAfter is the wait a response's Retry-After header asks for, 0 when
// it has none (for StatusError.RetryAfter).
func RetryAfter(h http.Header) time.Duration { return retryAfter(h.Get("Retry-After")) }

// retryAfter reads a Retry-After header in seconds (the form Google's APIs
// send); an HTTP date or anything else is ignored.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, 5*time.Minute)
}
