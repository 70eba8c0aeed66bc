package linstor

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// fuzzMethods are the methods the fuzzer picks from by index.
var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}

// FuzzServe sends arbitrary calls to one emulator, so state left by earlier
// calls (rollbacks included) is exercised too. No call may panic, and every
// answer must be JSON: an ApiCallRc array for every error.
// Run it with -fuzz FuzzServe -fuzztime 60s -fuzzminimizetime 3s; with the
// default minute of minimizing, a worker spends most of its time on the
// first new input.
func FuzzServe(f *testing.F) {
	seeds := []struct {
		method byte
		path   string
		body   string
	}{
		{1, "/v1/resource-groups", `{"name":"gold","select_filter":{"place_count":2,"storage_pool":"nvme","layer_stack":["drbd","storage"]}}`},
		{2, "/v1/resource-groups/gold", `{"override_props":{"Aux/a":"1","DrbdOptions/Resource/quorum":"majority"},"delete_namespaces":["Aux"]}`},
		{2, "/v1/resource-groups/gold", `{"select_filter":{"place_count":3,"x_replicas_on_different_map":{"Aux/zone":1}}}`},
		{1, "/v1/resource-groups/gold/volume-groups", `{"flags":["GROSS_SIZE"],"props":{"StorPoolName":"nvme"}}`},
		{2, "/v1/resource-groups/gold/volume-groups/0", `{"flags":["-GROSS_SIZE"]}`},
		{1, "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"db1","volume_sizes":[1024],"definitions_only":true}`},
		{1, "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"db2","volume_sizes":[1024],"select_filter":{"not_place_with_rsc_regex":"db.*"}}`},
		{1, "/v1/resource-groups", `{"name":"gold"}`},
		{3, "/v1/resource-definitions/db1", ``},
		{3, "/v1/resource-groups/gold/volume-groups/0", ``},
		{3, "/v1/resource-groups/gold", ``},
		{0, "/v1/resource-groups?limit=2&offset=1&props=Aux/a%3D1", ``},
		{0, "/v1/resource-groups/gold/volume-groups?offset=9", ``},
		{0, "/v1/view/resources?nodes=node-a", ``},
		{0, "/v1/nodes/node-a/storage-pools/nvme", ``},
		{0, "/v1/resource-groups/%47old", ``},
		{4, "/v1/resource-groups/%zz", `[]`},
		{1, "/v1/resource-groups", `{"name":"x","select_filter":{"place_count":"3"}} trailing`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body))
	}
	srv, err := New(Config{Pools: []string{"nvme", "hdd"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method byte, target string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			t.Skip("net/http answers 400 before any handler")
		}
		req := &http.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], URL: u, Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkFuzzAnswer(t, req, rec)
	})
}

// checkFuzzAnswer wants a JSON body, and an ApiCallRc array with at least
// one entry for every status of 400 and above.
func checkFuzzAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s: %d answered non-JSON %q", req.Method, req.URL, rec.Code, rec.Body.Bytes())
	}
	if rec.Code < http.StatusBadRequest {
		return
	}
	var rcs []apiCallRc
	if err := json.Unmarshal(rec.Body.Bytes(), &rcs); err != nil || len(rcs) == 0 {
		t.Fatalf("%s %s: %d answered %s, want an ApiCallRc array", req.Method, req.URL, rec.Code, rec.Body.Bytes())
	}
}
