package apigee_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	apigeev1 "google.golang.org/api/apigee/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.UnixMilli(1_700_000_000_000)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is an emulator behind httptest with the real Google client on it.
type fixture struct {
	t     *testing.T
	emu   *emu.Server
	srv   *httptest.Server
	svc   *apigeev1.Service
	clock *clock
}

func newFixture(t *testing.T, cfg emu.Config) *fixture {
	t.Helper()
	c := newClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	s, err := emu.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{t: t, emu: s, srv: srv, svc: googleClient(t, srv), clock: c}
}

func googleClient(t *testing.T, srv *httptest.Server) *apigeev1.Service {
	t.Helper()
	svc, err := apigeev1.NewService(context.Background(),
		option.WithEndpoint(srv.URL+"/"), option.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatalf("apigee.NewService: %v", err)
	}
	return svc
}

// files is a bundle's content by zip entry name.
type files map[string]string

// validFiles is a small bundle that passes every import check.
func validFiles(name, basepath string) files {
	return files{
		"apiproxy/" + name + ".xml": `<?xml version="1.0" encoding="UTF-8"?>
<APIProxy name="` + name + `">
  <DisplayName>` + name + `</DisplayName>
  <Description>lingate sha256:0123abcd</Description>
</APIProxy>`,
		"apiproxy/proxies/default.xml": `<ProxyEndpoint name="default">
  <PreFlow name="PreFlow">
    <Request><Step><Name>VA-VerifyKey</Name></Step></Request>
    <Response><Step><Name>AM-SetHeaders</Name></Step></Response>
  </PreFlow>
  <HTTPProxyConnection><BasePath>` + basepath + `</BasePath></HTTPProxyConnection>
  <RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>
</ProxyEndpoint>`,
		"apiproxy/targets/default.xml": `<TargetEndpoint name="default">
  <HTTPTargetConnection>
    <URL>https://orders.example/api</URL>
  </HTTPTargetConnection>
</TargetEndpoint>`,
		"apiproxy/policies/VA-VerifyKey.xml": `<VerifyAPIKey name="VA-VerifyKey">
  <APIKey ref="request.header.x-api-key"/>
</VerifyAPIKey>`,
		"apiproxy/policies/AM-SetHeaders.xml": `<AssignMessage name="AM-SetHeaders">
  <Set><Headers><Header name="X-Served-By">apigee</Header></Headers></Set>
</AssignMessage>`,
		"apiproxy/resources/jsc/util.js": `var x = 1;`,
	}
}

// lbTarget is a TargetEndpoint that reaches its backend through the
// TargetServer "orders-backend" of the environment.
const lbTarget = `<TargetEndpoint name="default">
  <HTTPTargetConnection>
    <LoadBalancer><Server name="orders-backend"/></LoadBalancer>
    <Path>/api</Path>
  </HTTPTargetConnection>
</TargetEndpoint>`

func (fs files) with(name, content string) files {
	out := files{}
	for k, v := range fs {
		out[k] = v
	}
	out[name] = content
	return out
}

func (fs files) without(name string) files {
	out := files{}
	for k, v := range fs {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// zipOf builds a bundle zip with the entries in name order, after an
// "apiproxy/" folder entry as apigeecli writes it.
func zipOf(t testing.TB, fs files) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if _, err := zw.Create("apiproxy/"); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, fs[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (f *fixture) url(path string, query url.Values) string {
	u := f.srv.URL + "/v1/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// do sends a raw request and returns the status and body.
func (f *fixture) do(method, path string, query url.Values, ctype string, body []byte) (int, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url(path, query), bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// importRaw posts a bundle with action=import as application/octet-stream.
func (f *fixture) importRaw(org, name string, zipBytes []byte) (int, []byte) {
	f.t.Helper()
	q := url.Values{"action": {"import"}}
	if name != "" {
		q.Set("name", name)
	}
	return f.do("POST", "organizations/"+org+"/apis", q, "application/octet-stream", zipBytes)
}

// importMultipart posts a bundle as multipart/form-data in the given part.
func (f *fixture) importMultipart(org, name, part string, zipBytes []byte) (int, []byte) {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile(part, name+".zip")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := w.Write(zipBytes); err != nil {
		f.t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		f.t.Fatal(err)
	}
	q := url.Values{"action": {"import"}, "name": {name}}
	return f.do("POST", "organizations/"+org+"/apis", q, mw.FormDataContentType(), buf.Bytes())
}

// mustImport imports a bundle and decodes the answer with the client's type.
func (f *fixture) mustImport(org, name string, zipBytes []byte) *apigeev1.GoogleCloudApigeeV1ApiProxyRevision {
	f.t.Helper()
	code, body := f.importRaw(org, name, zipBytes)
	if code != http.StatusOK {
		f.t.Fatalf("import %s: %d %s", name, code, body)
	}
	var rev apigeev1.GoogleCloudApigeeV1ApiProxyRevision
	if err := json.Unmarshal(body, &rev); err != nil {
		f.t.Fatalf("import %s: decode %s: %v", name, body, err)
	}
	return &rev
}

// errorBody is Apigee's error JSON.
type errorBody struct {
	Error struct {
		Code    int              `json:"code"`
		Message string           `json:"message"`
		Status  string           `json:"status"`
		Details []map[string]any `json:"details"`
	} `json:"error"`
}

func decodeError(t *testing.T, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == 0 {
		t.Fatalf("not an Apigee error body: %s (%v)", body, err)
	}
	return e
}

// wantAPIError checks a raw answer is an Apigee error with code and status.
func wantAPIError(t *testing.T, code int, body []byte, wantCode int, wantStatus string) errorBody {
	t.Helper()
	if code != wantCode {
		t.Fatalf("status %d, want %d: %s", code, wantCode, body)
	}
	e := decodeError(t, body)
	if e.Error.Code != wantCode || e.Error.Status != wantStatus {
		t.Fatalf("error %d %s, want %d %s: %s", e.Error.Code, e.Error.Status, wantCode, wantStatus, body)
	}
	if last := e.Error.Details[len(e.Error.Details)-1]; last["@type"] != "type.googleapis.com/google.rpc.RequestInfo" {
		t.Errorf("last detail %v, want RequestInfo", last)
	}
	return e
}

// wantGoogleError checks the Google client saw an error with the code and a
// message containing msg.
func wantGoogleError(t *testing.T, err error, code int, msg string) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T), want *googleapi.Error %d", err, err, code)
	}
	if ge.Code != code || !strings.Contains(ge.Message, msg) {
		t.Fatalf("googleapi error %d %q, want %d containing %q", ge.Code, ge.Message, code, msg)
	}
	return ge
}

// detailOf returns the detail with the type URL, or nil.
func detailOf(details []map[string]any, typ string) map[string]any {
	for _, d := range details {
		if d["@type"] == typ {
			return d
		}
	}
	return nil
}

func orgPath(org string) string { return "organizations/" + org }

// wantGoogleStatus checks the Google client saw an error with the code and
// the canonical status string in its body.
func wantGoogleStatus(t *testing.T, err error, code int, status string) *googleapi.Error {
	t.Helper()
	ge := wantGoogleError(t, err, code, "")
	if e := decodeError(t, []byte(ge.Body)); e.Error.Status != status {
		t.Fatalf("googleapi error status %q, want %q: %s", e.Error.Status, status, ge.Body)
	}
	return ge
}
