package apply

import (
	"fmt"
	"net/http"

	"golang.org/x/time/rate"
)

// ApigeeCallsPerSecond is the client-side rate an apply keeps to: 90 calls
// a second is 5,400 a minute, under Apigee's quota of 6,000 calls a minute
// per organization, with room for other clients.
const ApigeeCallsPerSecond = 90

// RateLimited returns a RoundTripper that waits for limiter before each
// request it passes to base (http.DefaultTransport when nil). Put it
// inside Transport so that every retry is counted too.
func RateLimited(base http.RoundTripper, limiter *rate.Limiter) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return rateLimited{base: base, limiter: limiter}
}

type rateLimited struct {
	base    http.RoundTripper
	limiter *rate.Limiter
}

func (r rateLimited) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := r.limiter.Wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s %s: rate limit: %w", req.Method, req.URL.Path, err)
	}
	return r.base.RoundTrip(req)
}
