package apigee_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	apigeev1 "google.golang.org/api/apigee/v1"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

func TestImportOctetStreamAndMultipart(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))

	rev := f.mustImport("sandbox", "orders-v1", z)
	want := &apigeev1.GoogleCloudApigeeV1ApiProxyRevision{
		Name: "orders-v1", Revision: "1", DisplayName: "orders-v1", Description: "lingate sha256:0123abcd",
		Basepaths: []string{"/orders/v1"}, Policies: []string{"AM-SetHeaders", "VA-VerifyKey"},
		Proxies: []string{"default"}, Targets: []string{"default"},
		Resources: []string{"jsc://util.js"}, CreatedAt: 1_700_000_000_000, LastModifiedAt: 1_700_000_000_000,
	}
	got := *rev
	got.ConfigurationVersion, got.EntityMetaDataAsProperties, got.Type, got.ContextInfo = nil, nil, "", ""
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("import answer\n got %+v\nwant %+v", got, *want)
	}
	if rev.ConfigurationVersion == nil || rev.ConfigurationVersion.MajorVersion != 4 {
		t.Errorf("configurationVersion = %+v, want 4.0", rev.ConfigurationVersion)
	}

	for i, part := range []string{"file", "proxy"} {
		code, body := f.importMultipart("sandbox", "orders-v1", part, z)
		if code != http.StatusOK {
			t.Fatalf("multipart part %q: %d %s", part, code, body)
		}
		var r apigeev1.GoogleCloudApigeeV1ApiProxyRevision
		if err := json.Unmarshal(body, &r); err != nil || r.Revision != []string{"2", "3"}[i] {
			t.Errorf("multipart part %q: revision %q (%v), want %d", part, r.Revision, err, i+2)
		}
	}
	code, body := f.importMultipart("sandbox", "orders-v1", "other", z)
	wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
}

// The generated Apis.Create sends a JSON HttpBody; Apigee refuses it.
func TestGoogleClientCreateIsRefused(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	_, err := f.svc.Organizations.Apis.Create(orgPath("sandbox"), &apigeev1.GoogleApiHttpBody{
		ContentType: "application/octet-stream", Data: base64.StdEncoding.EncodeToString(z),
	}).Name("orders-v1").Action("import").Context(context.Background()).Do()
	wantGoogleError(t, err, http.StatusBadRequest, "proxy must be encoded as 'application/octet-stream' or 'multipart/form-data'")
}

func TestBadBundles(t *testing.T) {
	valid := validFiles("orders-v1", "/orders/v1")
	cases := []struct {
		name     string
		files    files
		raw      []byte
		filename string
		desc     string
	}{
		{"missing ProxyEndpoint", valid.without("apiproxy/proxies/default.xml"), nil,
			"apiproxy/proxies", "The proxy must contain a ProxyEndpoint"},
		{"malformed XML", valid.with("apiproxy/policies/AM-SetHeaders.xml", `<AssignMessage name="AM-SetHeaders"><Set></AssignMessage>`), nil,
			"apiproxy/policies/AM-SetHeaders.xml", "XML is not well formed"},
		{"unclosed root", valid.with("apiproxy/targets/default.xml", `<TargetEndpoint name="default">`), nil,
			"apiproxy/targets/default.xml", "XML is not well formed"},
		{"two roots", valid.with("apiproxy/policies/VA-VerifyKey.xml", `<VerifyAPIKey name="VA-VerifyKey"/><X/>`), nil,
			"apiproxy/policies/VA-VerifyKey.xml", "more than one root element"},
		{"policy referenced but missing", valid.without("apiproxy/policies/VA-VerifyKey.xml"), nil,
			"apiproxy/proxies/default.xml", "policy VA-VerifyKey does not exist"},
		{"policy name differs from file", valid.with("apiproxy/policies/AM-SetHeaders.xml", `<AssignMessage name="AM-Other"/>`), nil,
			"apiproxy/policies/AM-SetHeaders.xml", `policy name attribute "AM-Other" does not match the file name "AM-SetHeaders"`},
		{"route to missing target", valid.without("apiproxy/targets/default.xml"), nil,
			"apiproxy/proxies/default.xml", "TargetEndpoint default does not exist"},
		{"endpoint name differs from file", valid.with("apiproxy/targets/default.xml", `<TargetEndpoint name="other"/>`), nil,
			"apiproxy/targets/default.xml", `name attribute "other" does not match the file name "default"`},
		{"entry outside apiproxy/", valid.with("other/readme.txt", "hi"), nil,
			"other/readme.txt", "zip entry in bundle is outside the bundle root"},
		{"absolute entry", valid.with("/apiproxy/policies/X.xml", `<X name="X"/>`), nil,
			"/apiproxy/policies/X.xml", "zip entry in bundle is outside the bundle root"},
		{"entry climbing out", valid.with("apiproxy/../evil.xml", `<X/>`), nil,
			"apiproxy/../evil.xml", "zip entry in bundle is outside the bundle root"},
		{"no base configuration", valid.without("apiproxy/orders-v1.xml"), nil,
			"apiproxy", "exactly one APIProxy configuration"},
		{"two base configurations", valid.with("apiproxy/extra.xml", `<APIProxy name="extra"/>`), nil,
			"apiproxy", "exactly one APIProxy configuration"},
		{"not a zip", nil, []byte("PK not really"),
			"", "bundle is not a valid zip archive"},
		{"step without a name", valid.with("apiproxy/proxies/default.xml", `<ProxyEndpoint name="default"><PreFlow><Request><Step/></Request></PreFlow></ProxyEndpoint>`), nil,
			"apiproxy/proxies/default.xml", "Step without a Name"},
		{"duplicate entry", nil, duplicateEntryZip(t),
			"apiproxy/policies/X.xml", "duplicate zip entry"},
		{"unknown policy type", valid.with("apiproxy/policies/AM-SetHeaders.xml", `<AssignMesage name="AM-SetHeaders"/>`), nil,
			"apiproxy/policies/AM-SetHeaders.xml", "Unknown policy type AssignMesage"},
		{"Edge-only policy type", valid.with("apiproxy/policies/AM-SetHeaders.xml", `<ConcurrentRatelimit name="AM-SetHeaders"/>`), nil,
			"apiproxy/policies/AM-SetHeaders.xml", "Unknown policy type ConcurrentRatelimit"},
		{"AssignTo transport other than http", valid.with("apiproxy/policies/AM-SetHeaders.xml",
			`<AssignMessage name="AM-SetHeaders"><AssignTo createNew="false" transport="https" type="request"/></AssignMessage>`), nil,
			"apiproxy/policies/AM-SetHeaders.xml", `The AssignTo transport attribute must be "http".`},
	}
	f := newFixture(t, emu.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			z := tc.raw
			if z == nil {
				z = zipOf(t, tc.files)
			}
			code, body := f.importRaw("sandbox", "orders-v1", z)
			e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
			if e.Error.Message != "bundle contains errors" {
				t.Errorf("message %q, want %q", e.Error.Message, "bundle contains errors")
			}
			if !hasViolation(t, e, tc.filename, tc.desc) {
				t.Errorf("no violation {%q, ~%q} in %s", tc.filename, tc.desc, body)
			}
		})
	}
	_, err := f.svc.Organizations.Apis.Get(orgPath("sandbox") + "/apis/orders-v1").Do()
	wantGoogleError(t, err, http.StatusNotFound, "does not exist")
}

func duplicateEntryZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for range 2 {
		w, err := zw.Create("apiproxy/policies/X.xml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(`<X name="X"/>`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func hasViolation(t *testing.T, e errorBody, filename, desc string) bool {
	t.Helper()
	d := detailOf(e.Error.Details, "type.googleapis.com/edge.configstore.bundle.BadBundle")
	if d == nil {
		t.Fatalf("no BadBundle detail in %+v", e.Error.Details)
	}
	vs, _ := d["violations"].([]any)
	for _, v := range vs {
		m, _ := v.(map[string]any)
		if m["filename"] == filename && strings.Contains(m["description"].(string), desc) {
			return true
		}
	}
	return false
}

// A bundle may hold steps in conditional flows, fault rules and the
// target's flows; every one must name a policy.
func TestStepsAnywhereAreChecked(t *testing.T) {
	valid := validFiles("orders-v1", "/orders/v1")
	f := newFixture(t, emu.Config{})
	target := `<TargetEndpoint name="default"><FaultRules><FaultRule name="f"><Step><Name>RF-Missing</Name></Step></FaultRule></FaultRules>
<HTTPTargetConnection><URL>https://example.com</URL></HTTPTargetConnection></TargetEndpoint>`
	code, body := f.importRaw("sandbox", "orders-v1", zipOf(t, valid.with("apiproxy/targets/default.xml", target)))
	e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	if !hasViolation(t, e, "apiproxy/targets/default.xml", "policy RF-Missing does not exist") {
		t.Errorf("missing fault-rule policy not reported: %s", body)
	}
}

func TestValidateCreatesNothing(t *testing.T) {
	f := newFixture(t, emu.Config{})
	q := url.Values{"action": {"validate"}, "name": {"orders-v1"}}
	code, body := f.do("POST", "organizations/sandbox/apis", q, "application/octet-stream", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	if code != http.StatusOK || !strings.Contains(string(body), `"basepaths":["/orders/v1"]`) {
		t.Fatalf("validate: %d %s", code, body)
	}
	bad := zipOf(t, validFiles("orders-v1", "/orders/v1").without("apiproxy/proxies/default.xml"))
	code, body = f.do("POST", "organizations/sandbox/apis", q, "application/octet-stream", bad)
	wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	_, err := f.svc.Organizations.Apis.Get(orgPath("sandbox") + "/apis/orders-v1").Do()
	wantGoogleError(t, err, http.StatusNotFound, "orders-v1")
}

func TestImportTakesNameFromBundle(t *testing.T) {
	f := newFixture(t, emu.Config{})
	rev := f.mustImport("sandbox", "", zipOf(t, validFiles("payments", "/payments")))
	if rev.Name != "payments" {
		t.Errorf("name %q, want payments from the APIProxy name attribute", rev.Name)
	}
	unnamed := validFiles("refunds", "/refunds").with("apiproxy/refunds.xml", "<APIProxy/>")
	if rev := f.mustImport("sandbox", "", zipOf(t, unnamed)); rev.Name != "refunds" {
		t.Errorf("name %q, want refunds from the base file name", rev.Name)
	}
}

func TestImportRefusesBadRequests(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	code, body := f.do("POST", "organizations/sandbox/apis", url.Values{"name": {"x"}}, "application/octet-stream", z)
	wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	code, body = f.importRaw("sandbox", "bad/name", z)
	wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	code, body = f.importRaw("sandbox", "bad name", z)
	wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
}

func TestBundleSizeLimit(t *testing.T) {
	f := newFixture(t, emu.Config{})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "apiproxy/resources/jsc/big.js", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 15<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	code, body := f.importRaw("sandbox", "big", buf.Bytes())
	e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	if !strings.Contains(e.Error.Message, "exceeds the limit") {
		t.Errorf("message %q, want the size limit", e.Error.Message)
	}
}

// TestTargetServersAndDeploy: a revision whose target names a TargetServer
// imports, but deploys only to an environment where the TargetServer
// exists; the TargetServer API creates, reads, replaces, lists and
// deletes them per environment.
func TestTargetServersAndDeploy(t *testing.T) {
	f := newFixture(t, emu.Config{ReadyAfter: -1, Organizations: declared("").Organizations})
	rev := f.mustImport("acme", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1").with("apiproxy/targets/default.xml", lbTarget)))
	if len(rev.TargetServers) != 1 || rev.TargetServers[0] != "orders-backend" {
		t.Errorf("targetServers %v, want [orders-backend]", rev.TargetServers)
	}
	deploys := f.svc.Organizations.Environments.Apis.Revisions
	_, err := deploys.Deploy(deployPath("acme", "prod", "orders-v1", 1)).Do()
	ge := wantGoogleStatus(t, err, http.StatusBadRequest, "FAILED_PRECONDITION")
	if !strings.Contains(ge.Body, "TargetServer orders-backend") {
		t.Errorf("deploy error does not name the TargetServer: %s", ge.Body)
	}

	tss := f.svc.Organizations.Environments.Targetservers
	env := orgPath("acme") + "/environments/prod"
	created, err := tss.Create(env, &apigeev1.GoogleCloudApigeeV1TargetServer{Name: "orders-backend", Host: "orders.internal", Port: 443}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if !created.IsEnabled || created.Protocol != "HTTP" || created.Port != 443 {
		t.Errorf("created = %+v, want isEnabled and protocol HTTP by default", created)
	}
	_, err = tss.Create(env, &apigeev1.GoogleCloudApigeeV1TargetServer{Name: "orders-backend", Host: "x", Port: 1}).Do()
	wantGoogleStatus(t, err, http.StatusConflict, "ALREADY_EXISTS")
	_, err = tss.Create(env, &apigeev1.GoogleCloudApigeeV1TargetServer{Name: "bad-port", Host: "x", Port: 70000}).Do()
	wantGoogleStatus(t, err, http.StatusBadRequest, "INVALID_ARGUMENT")
	_, err = tss.Create(orgPath("acme")+"/environments/prd", &apigeev1.GoogleCloudApigeeV1TargetServer{Name: "x", Host: "x", Port: 1}).Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")

	if _, err := deploys.Deploy(deployPath("acme", "prod", "orders-v1", 1)).Do(); err != nil {
		t.Fatalf("deploy with the TargetServer present: %v", err)
	}
	upd, err := tss.Update(env+"/targetservers/orders-backend", &apigeev1.GoogleCloudApigeeV1TargetServer{Name: "orders-backend", Host: "orders2.internal", Port: 8443, Protocol: "HTTP"}).Do()
	if err != nil || upd.Host != "orders2.internal" || upd.Port != 8443 {
		t.Errorf("update = %+v, %v", upd, err)
	}
	_, err = tss.Update(env+"/targetservers/orders-backend", &apigeev1.GoogleCloudApigeeV1TargetServer{Name: "orders-backend", Host: "h", Port: 1, Protocol: "GRPC"}).Do()
	wantGoogleStatus(t, err, http.StatusBadRequest, "INVALID_ARGUMENT")
	if code, body := f.do("GET", "organizations/acme/environments/prod/targetservers", nil, "", nil); code != http.StatusOK || string(body) != `["orders-backend"]` {
		t.Errorf("list: %d %s", code, body)
	}
	if _, err := tss.Delete(env + "/targetservers/orders-backend").Do(); err != nil {
		t.Fatal(err)
	}
	_, err = tss.Get(env + "/targetservers/orders-backend").Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
}
