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

// TestFaultsAreSeededAndMixed sends many requests at a fault rate of one
// half: about half fail, every kind of fault appears, and the same seed
// fails the same requests.
func TestFaultsAreSeededAndMixed(t *testing.T) {
	run := func(seed uint64) []string {
		log := &RequestLog{}
		srv := httptest.NewServer(Wrap(http.HandlerFunc(ok), Options{FaultRate: 0.5, Seed: seed, Log: log}))
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		var outcomes []string
		for range 200 {
			resp, err := client.Get(srv.URL)
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
		return outcomes
	}
	a, b := run(7), run(7)
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
