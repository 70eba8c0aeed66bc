package emulator

import (
	"bytes"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options tunes the behaviour shared by both emulators.
type Options struct {
	// FaultRate is the share of requests, 0 to 1, that fail on purpose: an
	// error status of the Profile or a dropped connection, before the request
	// is handled or after it was handled and its change committed.
	FaultRate float64
	// Seed makes the choice of failing requests repeatable. It is mixed with
	// the Profile's name, so two emulators given one seed fail independently.
	Seed uint64
	// Latency delays every request by this much before it is handled.
	Latency time.Duration
	// Log, when set, records every request and response.
	Log *RequestLog
	// Profile is how the wrapped system fails; nil is GenericProfile.
	Profile *Profile
}

// Profile is how one system fails: the error statuses it really answers
// when overloaded or broken, and the body and headers each comes with.
type Profile struct {
	// Name tells the systems apart in the fault seed.
	Name string
	// Statuses are the statuses an injected fault draws from. The 5xx among
	// them are also what a handled request may get instead of its answer.
	Statuses []int
	// Respond writes the injected status with the system's own error body.
	Respond func(w http.ResponseWriter, status int)
}

// GenericProfile fails with text/plain 429 (with Retry-After), 500 and 503,
// for tests of the middleware itself; each emulator has its own Profile.
var GenericProfile = &Profile{
	Name:     "generic",
	Statuses: []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable},
	Respond: func(w http.ResponseWriter, status int) {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, "injected fault: "+http.StatusText(status), status)
	},
}

// Fault names the kinds of failure that Options.FaultRate injects.
type Fault int

// The injected faults, in the order they are drawn.
const (
	// FaultStatus answers an error status before the request is handled.
	FaultStatus Fault = iota
	// FaultDrop closes the connection before the request is handled.
	FaultDrop
	// FaultLostDrop handles the request, committing its change, then closes
	// the connection instead of answering: the response was lost.
	FaultLostDrop
	// FaultLostStatus handles the request, committing its change, then
	// answers a 5xx instead of its answer.
	FaultLostStatus
	faultCount
)

// String names the fault for logs and test failures.
func (f Fault) String() string {
	switch f {
	case FaultStatus:
		return "status"
	case FaultDrop:
		return "drop"
	case FaultLostDrop:
		return "applied, then drop"
	case FaultLostStatus:
		return "applied, then status"
	}
	return "fault " + strconv.Itoa(int(f))
}

// applied reports whether the fault lets the handler run first.
func (f Fault) applied() bool { return f == FaultLostDrop || f == FaultLostStatus }

// Wrap returns h with the latency, faults and logging that opts ask for.
func Wrap(h http.Handler, opts Options) http.Handler {
	inj := newInjector(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opts.Latency > 0 {
			select {
			case <-time.After(opts.Latency):
			case <-r.Context().Done():
				return
			}
		}
		f, status, ok := inj.draw()
		switch {
		case !ok:
			opts.Log.serve(h, w, r, Entry{})
		case f.applied():
			// The handler runs to completion against a discarded writer, so
			// its change is committed; the client never sees its answer.
			opts.Log.serve(h, &discard{header: http.Header{}}, r, Entry{Fault: true, Kind: f, Applied: true})
			inj.fail(w, f, status)
		default:
			opts.Log.add(Entry{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Fault: true, Kind: f, Status: status})
			inj.fail(w, f, status)
		}
	})
}

type injector struct {
	rate    float64
	profile *Profile
	mu      sync.Mutex
	rng     *rand.Rand
}

func newInjector(opts Options) *injector {
	p := opts.Profile
	if p == nil {
		p = GenericProfile
	}
	h := fnv.New64a()
	h.Write([]byte(p.Name))
	stream := h.Sum64()
	return &injector{rate: opts.FaultRate, profile: p, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^stream^0x9e3779b97f4a7c15))}
}

// draw decides whether the next request fails, how, and with which status
// (0 for a dropped connection).
func (i *injector) draw() (Fault, int, bool) {
	if i.rate <= 0 {
		return 0, 0, false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.rng.Float64() >= i.rate {
		return 0, 0, false
	}
	f := Fault(i.rng.IntN(int(faultCount)))
	switch f {
	case FaultStatus:
		return f, i.profile.Statuses[i.rng.IntN(len(i.profile.Statuses))], true
	case FaultLostStatus:
		var fives []int
		for _, s := range i.profile.Statuses {
			if s >= 500 {
				fives = append(fives, s)
			}
		}
		if len(fives) == 0 {
			return FaultLostDrop, 0, true
		}
		return f, fives[i.rng.IntN(len(fives))], true
	}
	return f, 0, true
}

func (i *injector) fail(w http.ResponseWriter, f Fault, status int) {
	if status != 0 {
		i.profile.Respond(w, status)
		return
	}
	// Hijack and close: the client sees the connection drop.
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// discard is a ResponseWriter that forgets the answer.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

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
	// Fault is true when the client got an injected fault.
	Fault bool
	// Kind is the fault injected, when Fault is true.
	Kind Fault
	// Applied is true when the request was handled (its change committed)
	// although the client got a fault; Status and the response fields are
	// then the handler's answer that was lost.
	Applied bool
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

// serve runs h, recording the exchange on top of base when l is not nil.
func (l *RequestLog) serve(h http.Handler, w http.ResponseWriter, r *http.Request, base Entry) {
	if l == nil {
		h.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(rec, r)
	e := base
	e.Method, e.Path, e.Query = r.Method, r.URL.Path, r.URL.RawQuery
	e.ContentType, e.RequestBody = r.Header.Get("Content-Type"), body
	e.Status, e.ResponseType, e.ResponseBody = rec.status, rec.Header().Get("Content-Type"), rec.body.Bytes()
	l.add(e)
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
	s := e.Method + " " + e.Path + q + " -> " + strconv.Itoa(e.Status)
	if e.Fault {
		s += " (fault: " + e.Kind.String() + ")"
	}
	return s
}
