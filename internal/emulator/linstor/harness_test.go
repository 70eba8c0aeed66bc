package linstor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/internal/emulator"
)

// golinstorEnv are the variables golinstor's NewClient reads; tests against
// the emulator must not inherit them.
var golinstorEnv = []string{
	"LS_CONTROLLERS", "LS_USERNAME", "LS_PASSWORD", "LS_USER_CERTIFICATE", "LS_USER_KEY", "LS_ROOT_CA",
	"LS_USER_CERTIFICATE_FILE", "LS_USER_KEY_FILE", "LS_ROOT_CA_FILE", "LS_BEARER_TOKEN_FILE",
}

// clearGolinstorEnv unsets golinstor's variables for the test.
func clearGolinstorEnv(t *testing.T) {
	t.Helper()
	for _, k := range golinstorEnv {
		t.Setenv(k, "")
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
}

// harness is an emulator behind an httptest server, a golinstor client for
// it, and a request log whose traffic is validated against the OpenAPI spec
// when the test ends.
type harness struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
	log *emulator.RequestLog
	c   *client.Client
	// readAs maps request bodies the spec rejects on purpose (scalars
	// Jackson coerces) to the body Jackson reads, which is validated instead.
	readAs map[string]string
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clearGolinstorEnv(t)
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{t: t, srv: srv, log: &emulator.RequestLog{}, readAs: map[string]string{}}
	h.ts = httptest.NewServer(emulator.Wrap(srv, emulator.Options{Log: h.log}))
	t.Cleanup(h.ts.Close)
	h.c = newClient(t, h.ts.URL, h.ts.Client())
	t.Cleanup(func() {
		entries := h.log.Entries()
		for i, e := range entries {
			if canon, ok := h.readAs[string(e.RequestBody)]; ok {
				entries[i].RequestBody = []byte(canon)
			}
		}
		validateTraffic(t, entries)
	})
	return h
}

// newClient builds a golinstor client; its logger stays off because the
// default one prints every request, credentials included.
func newClient(t *testing.T, base string, hc *http.Client) *client.Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewClient(client.BaseURL(u), client.HTTPClient(hc), client.Log(nil))
	if err != nil {
		t.Fatalf("golinstor client: %v", err)
	}
	return c
}

func ctx() context.Context { return context.Background() }

// raw is a response read without golinstor, to see statuses and bodies.
type raw struct {
	status int
	body   []byte
	rcs    []apiCallRc
}

// do sends a request with a JSON body ("" for none) and decodes ApiCallRc
// arrays when the body is one.
func (h *harness) do(method, path, body string) raw {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	r := raw{status: resp.StatusCode, body: b}
	_ = json.Unmarshal(b, &r.rcs)
	return r
}

// expect fails the test unless the response has the status and, when code
// is not zero, its first entry has that exact ret_code.
func (r raw) expect(t *testing.T, status int, code int64) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if code == 0 {
		return
	}
	if len(r.rcs) == 0 || r.rcs[0].RetCode != code {
		t.Fatalf("ret_code %v, want %d (%#x); body %s", codes(r.rcs), code, uint64(code), r.body)
	}
}

func codes(rcs []apiCallRc) []int64 {
	out := make([]int64, len(rcs))
	for i, rc := range rcs {
		out[i] = rc.RetCode
	}
	return out
}

// hasCode reports whether any entry has the exact ret_code.
func (r raw) hasCode(code int64) bool {
	for _, rc := range r.rcs {
		if rc.RetCode == code {
			return true
		}
	}
	return false
}
