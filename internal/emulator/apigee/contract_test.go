package apigee_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	apigeev1 "google.golang.org/api/apigee/v1"
	"google.golang.org/api/option"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

// The contract tests make the same calls, with the same expectations, against
// the emulator (by default) and against a real Apigee organization when
// LINGATE_ACC_APIGEE_ORG, LINGATE_ACC_APIGEE_ENV and APIGEE_ACCESS_TOKEN are
// set. Everything they create is named lingate-acc-* and removed afterwards.
// The token is only handed to the HTTP transport, never printed.
//
// Optional variables widen the run against a real organization:
// LINGATE_ACC_APIGEE_ENV2 names a second environment attached to the same
// environment group as LINGATE_ACC_APIGEE_ENV (route conflicts);
// LINGATE_ACC_APIGEE_SA a service account the caller may act as
// (serviceAccount on deployments); LINGATE_ACC_APIGEE_SLOW=1 runs the
// 250-revision limit, which imports 251 revisions. Against the emulator
// every test runs.
//
// Expectations marked "from documents" were written from Apigee's
// documentation, discovery document and issue threads, not from a recorded
// response: the first run against a real organization confirms or refutes
// them (see docs/emulators.md).

type contractTarget struct {
	base      string // REST root with trailing slash
	hc        *http.Client
	svc       *apigeev1.Service
	org, env  string
	env2      string // in the same environment group as env; "" skips
	sa        string // service account email; "" skips
	slow      bool
	pollEvery time.Duration
	polls     int
}

// contractOrganization is what the emulator declares for the contract
// tests: the organization and two environments of one group.
var contractOrganization = emu.Organization{
	Name: "sandbox", Environments: []string{"test", "test2"},
	EnvironmentGroups: map[string][]string{"acc": {"test", "test2"}},
}

func newContractTarget(t *testing.T) *contractTarget {
	t.Helper()
	org, env, token := os.Getenv("LINGATE_ACC_APIGEE_ORG"), os.Getenv("LINGATE_ACC_APIGEE_ENV"), os.Getenv("APIGEE_ACCESS_TOKEN")
	if org == "" || env == "" || token == "" {
		f := newFixture(t, emu.Config{Organizations: []emu.Organization{contractOrganization}})
		return &contractTarget{base: f.srv.URL + "/", hc: f.srv.Client(), svc: f.svc, org: "sandbox", env: "test", env2: "test2",
			sa: "acc@project.iam.gserviceaccount.com", slow: true, polls: 5}
	}
	ctx := context.Background()
	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
	svc, err := apigeev1.NewService(ctx, option.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("apigee.NewService: %v", err)
	}
	t.Logf("contract against the real organization %s, environment %s", org, env)
	return &contractTarget{base: "https://apigee.googleapis.com/", hc: hc, svc: svc, org: org, env: env,
		env2: os.Getenv("LINGATE_ACC_APIGEE_ENV2"), sa: os.Getenv("LINGATE_ACC_APIGEE_SA"),
		slow: os.Getenv("LINGATE_ACC_APIGEE_SLOW") == "1", pollEvery: 5 * time.Second, polls: 60}
}

func accName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "lingate-acc-" + hex.EncodeToString(b)
}

func (c *contractTarget) raw(t *testing.T, method, path string, query url.Values, ctype string, body []byte) (int, []byte) {
	t.Helper()
	u := c.base + "v1/organizations/" + c.org + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (c *contractTarget) importBundle(t *testing.T, action, name string, z []byte) (int, []byte) {
	t.Helper()
	return c.raw(t, "POST", "/apis", url.Values{"action": {action}, "name": {name}}, "application/octet-stream", z)
}

func (c *contractTarget) name(parts ...string) string {
	return "organizations/" + c.org + strings.Join(parts, "")
}

// waitState polls a deployment until it leaves PROGRESSING.
func (c *contractTarget) waitState(t *testing.T, name string) string {
	t.Helper()
	for range c.polls {
		d, err := c.svc.Organizations.Environments.Apis.Revisions.GetDeployments(name).Do()
		if err != nil {
			t.Fatalf("deployment status: %v", err)
		}
		if d.State != "PROGRESSING" {
			return d.State
		}
		time.Sleep(c.pollEvery)
	}
	t.Fatalf("deployment %s still PROGRESSING after %d polls", name, c.polls)
	return ""
}

func TestContractProxyLifecycle(t *testing.T) {
	c := newContractTarget(t)
	api := accName(t)
	basepath := "/" + api
	// A plain URL target: a real environment has no TargetServer for it.
	good := zipOf(t, validFiles(api, basepath).with("apiproxy/targets/default.xml", `<TargetEndpoint name="default"><HTTPTargetConnection><URL>https://example.com</URL></HTTPTargetConnection></TargetEndpoint>`))

	code, body := c.importBundle(t, "import", api, zipOf(t, validFiles(api, basepath).without("apiproxy/proxies/default.xml")))
	e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	if detailOf(e.Error.Details, "type.googleapis.com/edge.configstore.bundle.BadBundle") == nil {
		t.Errorf("bad bundle: no BadBundle detail in %s", body)
	}
	if code, body := c.importBundle(t, "validate", api, good); code != http.StatusOK {
		t.Fatalf("validate: %d %s", code, body)
	}
	if _, err := c.svc.Organizations.Apis.Get(c.name("/apis/", api)).Do(); err == nil {
		t.Fatal("validate created the proxy")
	}

	if code, body := c.importBundle(t, "import", api, good); code != http.StatusOK || !strings.Contains(string(body), `"revision":"1"`) {
		t.Fatalf("import: %d %s", code, body)
	}
	t.Cleanup(func() { _, _ = c.svc.Organizations.Apis.Delete(c.name("/apis/", api)).Do() })
	code, body = c.raw(t, "GET", "/apis/"+api+"/revisions/1", nil, "", nil)
	var rev apigeev1.GoogleCloudApigeeV1ApiProxyRevision
	if err := json.Unmarshal(body, &rev); code != http.StatusOK || err != nil || rev.Description != "lingate sha256:0123abcd" || !slices.Contains(rev.Basepaths, basepath) {
		t.Errorf("revision metadata: %d %s", code, body)
	}
	code, body = c.raw(t, "GET", "/apis/"+api+"/revisions/1", url.Values{"format": {"bundle"}}, "", nil)
	if code != http.StatusOK || !zipHas(body, "apiproxy/policies/VA-VerifyKey.xml") {
		t.Errorf("download: %d, not a bundle with the policy", code)
	}

	deployment, state := c.deployFirst(t, api)
	revs := c.svc.Organizations.Environments.Apis.Revisions
	if state != "READY" {
		t.Errorf("deployment state %s, want READY", state)
	}

	if code, body := c.importBundle(t, "import", api, good); code != http.StatusOK {
		t.Fatalf("second import: %d %s", code, body)
	}
	// From documents: a redeploy without override is a 400 whose
	// PreconditionFailure names CONFLICTING_DEPLOYMENT.
	_, err := revs.Deploy(c.name("/environments/", c.env, "/apis/", api, "/revisions/2")).Do()
	ge := wantGoogleError(t, err, http.StatusBadRequest, "")
	if !strings.Contains(ge.Body, "CONFLICTING_DEPLOYMENT") {
		t.Errorf("redeploy without override: %s, want a CONFLICTING_DEPLOYMENT violation", ge.Body)
	}
	_, err = c.svc.Organizations.Apis.Revisions.Delete(c.name("/apis/", api, "/revisions/1")).Do()
	wantGoogleError(t, err, http.StatusBadRequest, "")

	if _, err := revs.Undeploy(deployment).Do(); err != nil {
		t.Fatalf("undeploy: %v", err)
	}
	_, err = revs.GetDeployments(deployment).Do()
	wantGoogleError(t, err, http.StatusNotFound, "")
}

// deployFirst deploys revision 1 of api, undeploys it when the test
// ends, and returns the deployment's name and the state it settled in.
func (c *contractTarget) deployFirst(t *testing.T, api string) (string, string) {
	t.Helper()
	deployment := c.name("/environments/", c.env, "/apis/", api, "/revisions/1")
	revs := c.svc.Organizations.Environments.Apis.Revisions
	if _, err := revs.Deploy(deployment).Override(true).Do(); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	t.Cleanup(func() { _, _ = revs.Undeploy(deployment).Do() })
	return deployment, c.waitState(t, deployment)
}

func zipHas(b []byte, name string) bool {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false
	}
	return slices.ContainsFunc(zr.File, func(f *zip.File) bool { return f.Name == name })
}

func TestContractProducts(t *testing.T) {
	c := newContractTarget(t)
	name := accName(t)
	products := c.svc.Organizations.Apiproducts
	p := &apigeev1.GoogleCloudApigeeV1ApiProduct{
		Name: name, DisplayName: name, ApprovalType: "auto", Environments: []string{c.env},
		Attributes: []*apigeev1.GoogleCloudApigeeV1Attribute{{Name: "access", Value: "private"}},
		Scopes:     []string{"orders.read"}, ApiResources: []string{"/"}, Quota: "100", QuotaInterval: "1", QuotaTimeUnit: "minute",
	}
	if _, err := products.Create(c.name(), p).Do(); err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() { _, _ = products.Delete(c.name("/apiproducts/", name)).Do() })
	// From documents: a duplicate is 409, status ALREADY_EXISTS (some 409s
	// of the API say ABORTED).
	_, err := products.Create(c.name(), p).Do()
	wantGoogleStatus(t, err, http.StatusConflict, "ALREADY_EXISTS")

	replacement := &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: name, DisplayName: "replaced", ApprovalType: "manual", Environments: []string{c.env}}
	if _, err := products.Update(c.name("/apiproducts/", name), replacement).Do(); err != nil {
		t.Fatalf("update: %v", err)
	}
	got, err := products.Get(c.name("/apiproducts/", name)).Do()
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.DisplayName != "replaced" || got.Attributes != nil || got.Scopes != nil || got.Quota != "" || got.CreatedAt == 0 || got.LastModifiedAt < got.CreatedAt {
		t.Errorf("after PUT = %+v", got)
	}
	list, err := products.List(c.name()).Expand(true).Do()
	if err != nil || !slices.ContainsFunc(list.ApiProduct, func(p *apigeev1.GoogleCloudApigeeV1ApiProduct) bool {
		return p.Name == name && p.DisplayName == "replaced"
	}) {
		t.Errorf("expanded list lacks the product: %v", err)
	}
	if _, err := products.Delete(c.name("/apiproducts/", name)).Do(); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = products.Get(c.name("/apiproducts/", name)).Do()
	wantGoogleError(t, err, http.StatusNotFound, "")
}

func TestContractKeyValueMaps(t *testing.T) {
	c := newContractTarget(t)
	name := accName(t)
	kvms := c.svc.Organizations.Environments.Keyvaluemaps
	parent := c.name("/environments/", c.env)
	if _, err := kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: name, Encrypted: true}).Do(); err != nil {
		t.Fatalf("create map: %v", err)
	}
	mapName := parent + "/keyvaluemaps/" + name
	t.Cleanup(func() { _, _ = kvms.Delete(mapName).Do() })
	_, err := kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: name, Encrypted: true}).Do()
	wantGoogleStatus(t, err, http.StatusConflict, "ALREADY_EXISTS")

	if _, err := kvms.Entries.Create(mapName, entry("lock", "holder-1")).Do(); err != nil {
		t.Fatalf("create entry: %v", err)
	}
	_, err = kvms.Entries.Create(mapName, entry("lock", "holder-2")).Do()
	wantGoogleStatus(t, err, http.StatusConflict, "ALREADY_EXISTS")
	_, err = kvms.Entries.Update(mapName+"/entries/absent", entry("absent", "x")).Do()
	wantGoogleError(t, err, http.StatusNotFound, "does not exist")
	if e, err := kvms.Entries.Get(mapName + "/entries/lock").Do(); err != nil || e.Value != "holder-1" {
		t.Errorf("get entry = %+v, %v", e, err)
	}
	if _, err := kvms.Entries.Delete(mapName + "/entries/lock").Do(); err != nil {
		t.Fatalf("delete entry: %v", err)
	}
	_, err = kvms.Entries.Get(mapName + "/entries/lock").Do()
	wantGoogleError(t, err, http.StatusNotFound, "")
	if _, err := kvms.Delete(mapName).Do(); err != nil {
		t.Errorf("delete map: %v", err)
	}
}
