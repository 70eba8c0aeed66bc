package apigee_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/schema"
)

// authProbes are the products whose compiled proxies the runtime errors
// test calls without valid credentials, one per auth kind, each with the
// requests it sends and the challenge its 401 carries (docs/runtime.md,
// Errors; compile/apigee/faults.go).
var authProbes = []struct {
	kind      string
	auth      schema.Auth
	failed    string      // the FaultRule's condition
	challenge string      // WWW-Authenticate, %s the product
	headers   http.Header // what each request carries: none, then a bad credential
}{
	{"oauth2", schema.Auth{OAuth2: &schema.KeyAuth{Claim: "groups"}}, "oauthV2.OA-Verify.failed = true",
		`Bearer realm="%s"`, http.Header{"Authorization": {"Bearer not-a-token"}}},
	// The key set URI is never fetched: VerifyJWT fails on a missing or
	// malformed token first.
	{"oidc", schema.Auth{OIDC: &schema.OIDC{Issuer: "https://idp.example", Audience: "lingate", JWKSURI: "https://idp.example/keys", Claim: "groups"}},
		"jwt.JWT-Verify.failed = true", `Bearer realm="%s"`, http.Header{"Authorization": {"Bearer not.a.jwt"}}},
	{"apikey", schema.Auth{APIKey: &schema.KeyAuth{Claim: "groups"}}, "verifyapikey.VA-Verify.failed = true",
		`APIKey realm="%s", header="x-api-key"`, http.Header{"X-Api-Key": {"not-a-key"}}},
}

// outageAuth is the auth of the discovery outage probe: an issuer that
// cannot be reached (.invalid never resolves, RFC 2606).
var outageAuth = schema.Auth{OIDC: &schema.OIDC{Issuer: "https://lingate-probe.invalid", Audience: "lingate", Claim: "groups"}}

// TestContractRuntimeErrors deploys a compiled proxy per auth kind to a
// real organization and calls it without credentials and with a bad one,
// to confirm what docs/runtime.md could not confirm offline: that the auth
// policy's <policy>.failed variable (jwt.JWT-Verify.failed,
// verifyapikey.VA-Verify.failed, oauthV2.OA-Verify.failed) is true in the
// error flow and selects the FaultRule, as the VerifyJWT, VerifyAPIKey and
// OAuthV2 policy references list it among their fault variables; that the
// DefaultFaultRule (AlwaysEnforce) applies the response header transforms
// to errors (fault handling: "AlwaysEnforce ... executes even if other
// FaultRules have executed"); and that "@messageid#" renders in a JSON
// payload (AssignMessage reference, variablePrefix and variableSuffix).
// The emulator runs no proxies, so without a real organization and
// LINGATE_ACC_APIGEE_HOST (a hostname of the environment's group) it skips.
func TestContractRuntimeErrors(t *testing.T) {
	host, c := runtimeProbe(t)
	for _, ap := range authProbes {
		t.Run(ap.kind, func(t *testing.T) {
			api := accName(t)
			_, z := compiledProbe(t, probeConfig(c.org, c.env, api, ap.auth), api)
			c.deployProbe(t, api, z)
			for _, h := range []http.Header{nil, ap.headers} {
				resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api+"/anything", "", h)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("credentials %v: status %d, want 401: %s", slices.Sorted(maps.Keys(h)), resp.StatusCode, body)
					continue
				}
				if got, want := resp.Header.Get("WWW-Authenticate"), fmt.Sprintf(ap.challenge, api); got != want {
					t.Errorf("WWW-Authenticate %q, want %q", got, want)
				}
				wantTransformed(t, resp)
				wantErrorBody(t, body, 401, "unauthenticated")
			}
		})
	}
}

// TestContractDiscoveryOutage deploys a compiled oidc proxy whose issuer
// cannot be reached (outageAuth), to confirm that
// the discovery ServiceCallout with continueOnError lets the flow go on
// (policy attributes: "continueOnError: set to true to have flow
// execution continue even after a policy fails") and that the proxy then
// answers 503, twice: the second time from the cached failure. Whether
// the callout leaves its response's status code unset is not observable
// here; the compiled proxy only needs it not to be 200.
func TestContractDiscoveryOutage(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	_, z := compiledProbe(t, probeConfig(c.org, c.env, api, outageAuth), api)
	c.deployProbe(t, api, z)
	for i := range 2 {
		resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api+"/anything", "", http.Header{"Authorization": {"Bearer not.a.jwt"}})
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("call %d: status %d, want 503: %s", i+1, resp.StatusCode, body)
			continue
		}
		wantTransformed(t, resp)
		wantErrorBody(t, body, 503, "identity_provider_unavailable")
	}
}

// compiledProbe is the bundle lingate compiles for product name of cfg:
// its files and its zip.
func compiledProbe(t testing.TB, cfg *schema.Config, name string) (probeBundle, []byte) {
	t.Helper()
	files, z, err := compile.Bundle(cfg, "acc", name)
	if err != nil {
		t.Fatalf("compile the probe %s: %v", name, err)
	}
	b := probeBundle{}
	for _, f := range files {
		b[f.Path] = string(f.Data)
	}
	return b, z
}

// wantTransformed requires the probe products' response header transform
// on an answer.
func wantTransformed(t *testing.T, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Lingate-Probe"); got != "error-too" {
		t.Errorf("X-Lingate-Probe %q: the response transforms did not run on the error", got)
	}
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

// probeConfig is one product called name with auth, with a response
// header transform, granted to one role.
func probeConfig(org, env, name string, auth schema.Auth) *schema.Config {
	return &schema.Config{
		Environments: map[string]*schema.Environment{"acc": {Name: "acc", Apigee: schema.ApigeeTarget{Organization: org, Environment: env}}},
		Tiers:        map[string]*schema.Tier{"std": {Name: "std"}},
		Products: map[string]*schema.Product{name: {
			Name: name, DisplayName: "probe", BasePath: "/" + name, Environments: []string{"acc"},
			Target:  &schema.Target{URL: "https://example.com"},
			Auth:    auth,
			Headers: schema.Headers{Response: schema.HeaderOps{Set: map[string]string{"X-Lingate-Probe": "error-too"}}},
			Tier:    "std", Approval: "auto",
		}},
		Roles: map[string]*schema.Role{"probe": {Name: "probe", Members: schema.Members{Claims: schema.Claims{Groups: []string{"probe"}}},
			Grants: map[string]*schema.Grant{name: {}}, Tier: "std"}},
	}
}

// TestProbeConfigCompiles requires each auth probe's endpoint to hold
// what the runtime errors test calls on.
func TestProbeConfigCompiles(t *testing.T) {
	for _, ap := range authProbes {
		b, _ := compiledProbe(t, probeConfig("o", "e", "lingate-acc-x", ap.auth), "lingate-acc-x")
		for _, want := range []string{ap.failed, "<AlwaysEnforce>true</AlwaysEnforce>", "<Name>AM-ResponseHeaders</Name>"} {
			if !strings.Contains(b["apiproxy/proxies/default.xml"], want) {
				t.Errorf("%s probe endpoint lacks %q", ap.kind, want)
			}
		}
	}
}
