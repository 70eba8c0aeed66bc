package apply

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var fastPolicy = RetryPolicy{MaxTries: 4, Initial: time.Millisecond, MaxInterval: 2 * time.Millisecond}

// flaky answers status for the first n requests, then 200 with the body it received.
func flaky(t *testing.T, n int32, status int, header http.Header) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) <= n {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"busy"}`)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestTransportRetriesIdempotentWithBody(t *testing.T) {
	srv, calls := flaky(t, 2, http.StatusServiceUnavailable, nil)
	c := &http.Client{Transport: &Transport{Policy: fastPolicy}}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/x", strings.NewReader("payload"))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(got) != "payload" || calls.Load() != 3 {
		t.Fatalf("status %d body %q after %d calls; want 200 payload after 3", resp.StatusCode, got, calls.Load())
	}
}

func TestTransportNeverRetriesPost(t *testing.T) {
	srv, calls := flaky(t, 5, http.StatusInternalServerError, nil)
	c := &http.Client{Transport: &Transport{Policy: fastPolicy}}
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || calls.Load() != 1 {
		t.Fatalf("status %d after %d calls; want the 500 after 1", resp.StatusCode, calls.Load())
	}
}

func TestTransportSendsOnceWhenAsked(t *testing.T) {
	srv, calls := flaky(t, 5, http.StatusServiceUnavailable, nil)
	c := &http.Client{Transport: &Transport{Policy: fastPolicy}}
	req, _ := http.NewRequestWithContext(SendOnce(context.Background()), http.MethodDelete, srv.URL+"/lock", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || calls.Load() != 1 {
		t.Fatalf("status %d after %d calls; want the 503 after 1", resp.StatusCode, calls.Load())
	}
}

func TestTransportGivesLastAnswerWhenTriesRunOut(t *testing.T) {
	srv, calls := flaky(t, 100, http.StatusTooManyRequests, nil)
	c := &http.Client{Transport: &Transport{Policy: fastPolicy}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || string(body) != `{"error":"busy"}` || calls.Load() != 4 {
		t.Fatalf("status %d body %q after %d calls; want 429 with its body after 4", resp.StatusCode, body, calls.Load())
	}
}

func TestTransportHonoursRetryAfter(t *testing.T) {
	srv, _ := flaky(t, 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}})
	var waits []time.Duration
	c := &http.Client{Transport: &Transport{Policy: fastPolicy, Notify: func(_, _ string, _ error, d time.Duration) { waits = append(waits, d) }}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(waits) != 1 || waits[0] != time.Second {
		t.Fatalf("waits %v, want [1s] from Retry-After", waits)
	}
}

func TestTransportRetriesDroppedConnections(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := &http.Client{Transport: &Transport{Policy: fastPolicy}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if calls.Load() != 2 {
		t.Fatalf("%d calls, want 2", calls.Load())
	}
}

func TestRetryStopsOnPermanentErrors(t *testing.T) {
	tries := 0
	_, err := Retry(context.Background(), fastPolicy, func() (int, error) {
		tries++
		return 0, &StatusError{Status: 409, Message: "exists"}
	})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 409 || tries != 1 {
		t.Fatalf("err %v after %d tries; want the 409 after 1", err, tries)
	}
	tries = 0
	v, err := Retry(context.Background(), fastPolicy, func() (int, error) {
		tries++
		if tries < 3 {
			return 0, &StatusError{Status: 503}
		}
		return 7, nil
	})
	if err != nil || v != 7 || tries != 3 {
		t.Fatalf("got %d, %v after %d tries; want 7 after 3", v, err, tries)
	}
}

func TestTransportMarksDroppedPostRetryable(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	c := &http.Client{Transport: &Transport{Policy: fastPolicy}}
	_, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil || !Retryable(err) || calls.Load() != 1 {
		t.Fatalf("err %v (retryable %v) after %d calls; want a retryable error after 1", err, Retryable(err), calls.Load())
	}
}

// TestRetryHonoursRetryAfterOfAStep: a step refused with 429 and a
// Retry-After (a POST, which the transport sends once) is tried again no
// sooner than the server asked.
func TestRetryHonoursRetryAfterOfAStep(t *testing.T) {
	var at []time.Time
	_, err := Retry(context.Background(), fastPolicy, func() (int, error) {
		at = append(at, time.Now())
		if len(at) == 1 {
			return 0, &StatusError{Status: http.StatusTooManyRequests, RetryAfter: 300 * time.Millisecond}
		}
		return 1, nil
	})
	if err != nil || len(at) != 2 {
		t.Fatalf("%v after %d tries", err, len(at))
	}
	if wait := at[1].Sub(at[0]); wait < 300*time.Millisecond {
		t.Fatalf("tried again after %s; the server asked for 300ms", wait)
	}
}
