package apigee_test

import (
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
	host := os.Getenv("LINGATE_ACC_APIGEE_HOST")
	if host == "" || os.Getenv("LINGATE_ACC_APIGEE_ORG") == "" {
		t.Skip("runtime probes need a real organization and LINGATE_ACC_APIGEE_HOST")
	}
	c := newContractTarget(t)
	api := accName(t)
	cfg := probeConfig(c.org, c.env, api)
	_, z, err := compile.Bundle(cfg, "acc", api)
	if err != nil {
		t.Fatalf("compile the probe: %v", err)
	}
	if code, body := c.importBundle(t, "import", api, z); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
	t.Cleanup(func() { _, _ = c.svc.Organizations.Apis.Delete(c.name("/apis/", api)).Do() })
	if _, state := c.deployFirst(t, api); state != "READY" {
		t.Fatalf("deployment state %s, want READY", state)
	}

	// No access token: 401 from the FaultRule, not Apigee's default fault.
	resp, body := probe(t, "https://"+host+"/"+api+"/anything")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
	}
	if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="`+api+`"`; got != want {
		t.Errorf("WWW-Authenticate %q, want %q", got, want)
	}
	if got := resp.Header.Get("X-Lingate-Probe"); got != "error-too" {
		t.Errorf("X-Lingate-Probe %q: the response transforms did not run on the error", got)
	}
	var e struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Status != 401 || e.Code != "unauthenticated" ||
		e.RequestID == "" || strings.ContainsAny(e.RequestID, "@#{}") {
		t.Errorf("error body %s: want status 401, code unauthenticated and a rendered request id", body)
	}
}

// probe calls url until the new deployment answers (a fresh deployment can
// answer 404 for a while), and returns the answer.
func probe(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	for range 24 {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusNotFound {
			return resp, body
		}
		time.Sleep(5 * time.Second)
	}
	t.Fatalf("GET %s: still 404 after two minutes", url)
	return nil, nil
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
