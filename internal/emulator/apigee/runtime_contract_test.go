package apigee_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/schema"
)

// TestContractRuntimeErrors deploys a compiled proxy to a real organization
// and calls it, to confirm what docs/runtime.md could not confirm offline:
// that the auth policy's <policy>.failed variable selects the FaultRule,
// that the DefaultFaultRule (AlwaysEnforce) applies the response header
// transforms to errors, and that "@messageid#" renders in a JSON payload.
// The emulator runs no proxies, so without a real organization and
// LINGATE_ACC_APIGEE_HOST (a hostname of the environment's group) it skips.
func TestContractRuntimeErrors(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	_, z, err := compile.Bundle(probeConfig(c.org, c.env, api), "acc", api)
	if err != nil {
		t.Fatalf("compile the probe: %v", err)
	}
	c.deployProbe(t, api, z)

	// No access token: 401 from the FaultRule, not Apigee's default fault.
	resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api+"/anything", "", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
	}
	if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="`+api+`"`; got != want {
		t.Errorf("WWW-Authenticate %q, want %q", got, want)
	}
	if got := resp.Header.Get("X-Lingate-Probe"); got != "error-too" {
		t.Errorf("X-Lingate-Probe %q: the response transforms did not run on the error", got)
	}
	wantErrorBody(t, body, 401, "unauthenticated")
}

// wantErrorBody requires lingate's error body: the status, the code, and
// a request id rendered from "@messageid#".
func wantErrorBody(t *testing.T, body []byte, status int, code string) {
	t.Helper()
	var e struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Status != status || e.Code != code ||
		e.RequestID == "" || strings.ContainsAny(e.RequestID, "@#{}") {
		t.Errorf("error body %s: want status %d, code %s and a rendered request id", body, status, code)
	}
}

// runtimeProbe skips unless the runtime probes can run: a real
// organization (LINGATE_ACC_APIGEE_ORG, LINGATE_ACC_APIGEE_ENV,
// APIGEE_ACCESS_TOKEN) and LINGATE_ACC_APIGEE_HOST, a hostname of the
// environment's group. The emulator runs no proxies. It returns the host
// and the organization.
func runtimeProbe(t *testing.T) (string, *contractTarget) {
	t.Helper()
	host := os.Getenv("LINGATE_ACC_APIGEE_HOST")
	for _, v := range []string{"LINGATE_ACC_APIGEE_ORG", "LINGATE_ACC_APIGEE_ENV", "APIGEE_ACCESS_TOKEN"} {
		if os.Getenv(v) == "" {
			host = ""
		}
	}
	if host == "" {
		t.Skip("runtime probes need a real organization and LINGATE_ACC_APIGEE_HOST")
	}
	return host, newContractTarget(t)
}

// deployProbe imports bundle z as api, deploys it, and removes both when
// the test ends.
func (c *contractTarget) deployProbe(t *testing.T, api string, z []byte) {
	t.Helper()
	if code, body := c.importBundle(t, "import", api, z); code != http.StatusOK {
		t.Fatalf("import %s: %d %s", api, code, body)
	}
	t.Cleanup(func() { _, _ = c.svc.Organizations.Apis.Delete(c.name("/apis/", api)).Do() })
	if _, state := c.deployFirst(t, api); state != "READY" {
		t.Fatalf("deployment of %s: state %s, want READY", api, state)
	}
}

// probeCall sends a request to a deployed probe until the new deployment
// answers (a fresh deployment can answer 404 for a while; no probe answers
// 404 itself), and returns the answer. Headers may carry a probe's token: they are never logged.
func probeCall(t *testing.T, method, url, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	for range 24 {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		if body != "" {
			req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusNotFound {
			return resp, data
		}
		time.Sleep(5 * time.Second)
	}
	t.Fatalf("%s %s: still 404 after two minutes", method, url)
	return nil, nil
}

// randomHex is n random bytes in hex.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// probeConfig is one OAuth2 product called name, with a response header
// transform, granted to one role.
func probeConfig(org, env, name string) *schema.Config {
	return &schema.Config{
		Environments: map[string]*schema.Environment{"acc": {Name: "acc", Apigee: schema.ApigeeTarget{Organization: org, Environment: env}}},
		Tiers:        map[string]*schema.Tier{"std": {Name: "std"}},
		Products: map[string]*schema.Product{name: {
			Name: name, DisplayName: "probe", BasePath: "/" + name, Environments: []string{"acc"},
			Target:  &schema.Target{URL: "https://example.com"},
			Auth:    schema.Auth{OAuth2: &schema.KeyAuth{Claim: "groups"}},
			Headers: schema.Headers{Response: schema.HeaderOps{Set: map[string]string{"X-Lingate-Probe": "error-too"}}},
			Tier:    "std", Approval: "auto",
		}},
		Roles: map[string]*schema.Role{"probe": {Name: "probe", Members: schema.Members{Claims: schema.Claims{Groups: []string{"probe"}}},
			Grants: map[string]*schema.Grant{name: {}}, Tier: "std"}},
	}
}

// TestProbeConfigCompiles keeps the runtime probe compiling offline, and
// checks it holds what the probe calls on.
func TestProbeConfigCompiles(t *testing.T) {
	files, _, err := compile.Bundle(probeConfig("o", "e", "lingate-acc-x"), "acc", "lingate-acc-x")
	if err != nil {
		t.Fatalf("compile the probe: %v", err)
	}
	var endpoint string
	for _, f := range files {
		if f.Path == "apiproxy/proxies/default.xml" {
			endpoint = string(f.Data)
		}
	}
	for _, want := range []string{"oauthV2.OA-Verify.failed = true", "<AlwaysEnforce>true</AlwaysEnforce>", "<Name>AM-ResponseHeaders</Name>"} {
		if !strings.Contains(endpoint, want) {
			t.Errorf("probe endpoint lacks %q", want)
		}
	}
}
