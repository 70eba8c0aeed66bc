package emulator

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options tunes the behaviour shared by both emulators.
type Options struct {
	// FaultRate is the share of requests, 0 to 1, that fail on purpose with a
	// 429 (with Retry-After), a 500, a 503 or a dropped connection.
	FaultRate float64
	// Seed makes the choice of failing requests repeatable.
	Seed uint64
	// Latency delays every request by this much before it is handled.
	Latency time.Duration
	// Log, when set, records every request and response.
	Log *RequestLog
}

// Fault names the kinds of failure that Options.FaultRate injects.
type Fault int

// The injected faults, in the order they are drawn.
const (
	FaultTooManyRequests Fault = iota
	FaultInternal
	FaultUnavailable
	FaultDrop
	faultCount
)

// Wrap returns h with the latency, faults and logging that opts ask for.
func Wrap(h http.Handler, opts Options) http.Handler {
	inj := &injector{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opts.Latency > 0 {
			select {
			case <-time.After(opts.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if f, ok := inj.draw(); ok {
			opts.Log.add(Entry{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Fault: true})
			inject(w, f)
			return
		}
		if opts.Log == nil {
			h.ServeHTTP(w, r)
			return
		}
		opts.Log.serve(h, w, r)
	})
}

type injector struct {
	opts Options
	mu   sync.Mutex
	rng  *rand.Rand
}

func (i *injector) draw() (Fault, bool) {
	if i.opts.FaultRate <= 0 {
		return 0, false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.rng.Float64() >= i.opts.FaultRate {
		return 0, false
	}
	return Fault(i.rng.IntN(int(faultCount))), true
}

func inject(w http.ResponseWriter, f Fault) {
	switch f {
	case FaultTooManyRequests:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "injected fault: too many requests", http.StatusTooManyRequests)
	case FaultInternal:
		http.Error(w, "injected fault: internal error", http.StatusInternalServerError)
	case FaultUnavailable:
		http.Error(w, "injected fault: unavailable", http.StatusServiceUnavailable)
	default:
		// Hijack and close: the client sees the connection drop mid-request.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
}

// Entry is one request seen by an emulator and the response it got.
type Entry struct {
	Method       string
	Path         string
	Query        string
	ContentType  string
	RequestBody  []byte
	Status       int
	ResponseType string
	ResponseBody []byte
	// Fault is true when the response was an injected fault.
	Fault bool
}

// RequestLog records requests for tests; it is safe for concurrent use.
type RequestLog struct {
	mu      sync.Mutex
	entries []Entry
}

// Entries returns a copy of everything recorded so far, in arrival order.
func (l *RequestLog) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}

func (l *RequestLog) add(e Entry) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *RequestLog) serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(rec, r)
	l.add(Entry{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), RequestBody: body,
		Status: rec.status, ResponseType: rec.Header().Get("Content-Type"), ResponseBody: rec.body.Bytes(),
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// String renders an entry as "METHOD /path?query -> status" for test failures.
func (e Entry) String() string {
	q := ""
	if e.Query != "" {
		q = "?" + e.Query
	}
	return e.Method + " " + e.Path + q + " -> " + strconv.Itoa(e.Status)
}
