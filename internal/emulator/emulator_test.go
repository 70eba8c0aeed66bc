package emulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func ok(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusCreated)
	w.Write(append([]byte("got "), body...))
}

func TestWrapRecordsRequestsAndResponses(t *testing.T) {
	log := &RequestLog{}
	srv := httptest.NewServer(Wrap(http.HandlerFunc(ok), Options{Log: log}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/x?y=1", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || string(body) != `got {"a":1}` {
		t.Fatalf("handler saw a different request: %d %q", resp.StatusCode, body)
	}
	entries := log.Entries()
	if len(entries) != 1 {
		t.Fatalf("log has %d entries, want 1", len(entries))
	}
	e := entries[0]
	if e.String() != "POST /v1/x?y=1 -> 201" || string(e.RequestBody) != `{"a":1}` || string(e.ResponseBody) != `got {"a":1}` ||
		e.ContentType != "application/json" || e.ResponseType != "text/plain" || e.Fault {
		t.Errorf("entry %+v", e)
	}
}

// counter is a handler whose every request is a change: it counts them.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	ok(w, r)
}

// faultRun sends 200 requests at a fault rate of one half and returns the
// outcome of each and how many the handler saw.
func faultRun(t *testing.T, opts Options) ([]string, int, []Entry) {
	t.Helper()
	log := &RequestLog{}
	opts.Log, opts.FaultRate = log, 0.5
	h := &counter{}
	srv := httptest.NewServer(Wrap(h, opts))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var outcomes []string
	for range 200 {
		resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("x"))
		switch {
		case err != nil:
			outcomes = append(outcomes, "dropped")
		case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "":
			t.Fatal("429 without Retry-After")
		default:
			outcomes = append(outcomes, resp.Status)
			resp.Body.Close()
		}
	}
	return outcomes, h.n, log.Entries()
}

// TestFaultsAreSeededAndMixed: about half the requests fail, every kind of
// fault appears, the same seed fails the same requests, and the requests
// whose response was lost were handled all the same.
func TestFaultsAreSeededAndMixed(t *testing.T) {
	a, handled, entries := faultRun(t, Options{Seed: 7})
	b, _, _ := faultRun(t, Options{Seed: 7})
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("the same seed failed different requests")
	}
	count := map[string]int{}
	for _, o := range a {
		count[o]++
	}
	for _, want := range []string{"201 Created", "429 Too Many Requests", "500 Internal Server Error", "503 Service Unavailable", "dropped"} {
		if count[want] == 0 {
			t.Errorf("no %q among %v", want, count)
		}
	}
	if n := count["201 Created"]; n < 60 || n > 140 {
		t.Errorf("%d of 200 succeeded at a fault rate of 0.5", n)
	}
	kinds := map[Fault]int{}
	applied := 0
	for _, e := range entries {
		if e.Fault {
			kinds[e.Kind]++
		}
		if e.Applied {
			applied++
			if e.Status != http.StatusCreated || string(e.ResponseBody) != "got x" {
				t.Errorf("applied entry %v does not hold the lost answer: %q", e, e.ResponseBody)
			}
		}
	}
	for k := FaultStatus; k < faultCount; k++ {
		if kinds[k] == 0 {
			t.Errorf("no fault of kind %v among %v", k, kinds)
		}
	}
	if want := count["201 Created"] + applied; handled != want {
		t.Errorf("handler saw %d requests, want %d answered plus %d whose answer was lost", handled, count["201 Created"], applied)
	}
}

// TestProfilesFailIndependently: two systems wrapped with one seed do not
// fail the same requests, and each answers only its own statuses.
func TestProfilesFailIndependently(t *testing.T) {
	only500 := &Profile{Name: "only500", Statuses: []int{http.StatusInternalServerError}, Respond: func(w http.ResponseWriter, status int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`[{"ret_code":1}]`))
	}}
	a, _, _ := faultRun(t, Options{Seed: 7})
	b, _, entries := faultRun(t, Options{Seed: 7, Profile: only500})
	if strings.Join(a, ",") == strings.Join(b, ",") {
		t.Error("two profiles with one seed failed in lockstep")
	}
	for _, o := range b {
		if o != "201 Created" && o != "500 Internal Server Error" && o != "dropped" {
			t.Errorf("profile of 500 only answered %s", o)
		}
	}
	for _, e := range entries {
		if e.Fault && !e.Applied && e.Status == http.StatusInternalServerError {
			return
		}
	}
	t.Error("no injected 500 in the log")
}

func TestLatencyGivesWayToCancellation(t *testing.T) {
	h := Wrap(http.HandlerFunc(ok), Options{Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(rec, req); close(done) }()
	cancel()
	<-done
	if rec.Code == http.StatusCreated {
		t.Error("the handler ran although the request was cancelled during the delay")
	}
}

func TestSaveAndLoadJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	var got map[string]int
	found, err := LoadJSON(path, &got)
	if found || err != nil {
		t.Fatalf("missing file: found=%v err=%v, want false, nil", found, err)
	}
	if err := SaveJSON(path, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if found, err := LoadJSON(path, &got); !found || err != nil || got["a"] != 1 {
		t.Fatalf("round trip: found=%v err=%v got=%v", found, err, got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the state: %v", entries)
	}
	if err := os.WriteFile(path, []byte("{broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadJSON(path, &got); err == nil || !strings.Contains(err.Error(), "decode") {
		t.Errorf("broken file: got %v, want a decode error", err)
	}
	if err := SaveJSON(path, func() {}); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("unencodable value: got %v", err)
	}
}
