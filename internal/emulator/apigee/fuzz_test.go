package apigee_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

// fuzzMethods and fuzzTypes are what the fuzzer picks from by index.
var (
	fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	fuzzTypes   = []string{"application/json", "application/octet-stream", "multipart/form-data; boundary=b", ""}
)

// FuzzServe sends arbitrary calls to one emulator, so state left by earlier
// calls is exercised too. No call may panic, and every answer must be JSON
// (bundle downloads aside), with Apigee's error envelope for every failure.
// Run it with -fuzz FuzzServe -fuzztime 60s -fuzzminimizetime 3s; with the
// default minute of minimizing, a worker spends most of its time on the
// first new input.
func FuzzServe(f *testing.F) {
	good := zipOf(f, validFiles("orders-v1", "/orders/v1"))
	other := zipOf(f, validFiles("payments", "/orders/v1"))
	seeds := []struct {
		method, ctype byte
		target        string
		body          []byte
	}{
		{1, 1, "/v1/organizations/o/apis?action=import&name=orders-v1", good},
		{1, 1, "/v1/organizations/o/apis?action=import&name=payments", other},
		{1, 1, "/v1/organizations/o/apis?action=validate", good},
		{1, 2, "/v1/organizations/o/apis?action=import&name=x", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nPK\r\n--b--\r\n")},
		{1, 1, "/v1/organizations/o/apis/orders-v1/revisions/1", good},
		{1, 0, "/v1/organizations/o/environments/e/apis/orders-v1/revisions/1/deployments?override=true", nil},
		{1, 0, "/v1/organizations/o/environments/e/apis/payments/revisions/1/deployments", nil},
		{0, 3, "/v1/organizations/o/environments/e/apis/orders-v1/revisions/1/deployments", nil},
		{3, 3, "/v1/organizations/o/environments/e/apis/orders-v1/revisions/1/deployments", nil},
		{0, 3, "/v1/organizations/o/apis/orders-v1/revisions/1?format=bundle", nil},
		{3, 3, "/v1/organizations/o/apis/orders-v1/revisions/1", nil},
		{1, 0, "/v1/organizations/o/apiproducts", []byte(`{"name":"p","displayName":"P","proxies":["orders-v1"],"attributes":[{"name":"a","value":"b"}],"quota":"5"}`)},
		{2, 0, "/v1/organizations/o/apiproducts/p", []byte(`{"name":"p","displayName":"P","operationGroup":{"operationConfigs":[{"apiSource":"orders-v1","quota":{"limit":"1"}}]}}`)},
		{0, 3, "/v1/organizations/o/apiproducts?expand=true&count=1&startKey=p", nil},
		{1, 0, "/v1/organizations/o/environments/e/keyvaluemaps", []byte(`{"name":"locks","encrypted":true}`)},
		{1, 0, "/v1/organizations/o/environments/e/keyvaluemaps/locks/entries", []byte(`{"name":"apply","value":"holder"}`)},
		{2, 0, "/v1/organizations/o/environments/e/keyvaluemaps/locks/entries/apply", []byte(`{"name":"apply","value":"x"}`)},
		{0, 3, "/v1/organizations/o/environments/e/keyvaluemaps/locks/entries?pageSize=1&pageToken=a", nil},
		{0, 3, "/v1/organizations/o%2Fx/apiproducts/50%25%20off", nil},
		{4, 0, "/v1/organizations/o/apis/%zz", []byte(`{`)},
		{1, 0, "/v1/organizations/o/environments/e/targetservers", []byte(`{"name":"ts","host":"h","port":443,"sSLInfo":{"enabled":true}}`)},
		{2, 0, "/v1/organizations/o/environments/e/targetservers/ts", []byte(`{"name":"ts","host":"h","port":"8443","isEnabled":false}`)},
		{0, 3, "/v1/organizations/o/environments/e/targetservers/ts", nil},
		{0, 3, "/v1/organizations/o/environments/other/deployments", nil},
		{0, 3, "/v1/organizations/o/envgroups/g/attachments", nil},
		{1, 0, "/v1/organizations/o/apiproducts", []byte(`{"name":"q","displayName":"Q","operationGroup":{"operationConfigs":[{"apiSource":"orders-v1","operations":[{"resource":"/","methods":["GET","POST"]}],"quota":{"limit":"1","interval":"1"}}]}}`)},
	}
	for _, s := range seeds {
		f.Add(s.method, s.ctype, s.target, s.body)
	}
	srv, err := emu.New(emu.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, ctype byte, target string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			t.Skip("net/http answers 400 before any handler")
		}
		req := &http.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], URL: u, Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		if ct := fuzzTypes[int(ctype)%len(fuzzTypes)]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkFuzzAnswer(t, req, rec)
	})
}

// checkFuzzAnswer wants JSON (or a bundle download) and, for every status
// of 400 and above, the google.rpc.Status envelope with that code.
func checkFuzzAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code == http.StatusOK && rec.Header().Get("Content-Type") == "application/octet-stream" {
		return
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s: %d answered %q %q", req.Method, req.URL, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	}
	if rec.Code < http.StatusBadRequest {
		return
	}
	var e errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != rec.Code || e.Error.Status == "" || e.Error.Message == "" {
		t.Fatalf("%s %s: %d answered %s, want the error envelope", req.Method, req.URL, rec.Code, rec.Body.Bytes())
	}
}
