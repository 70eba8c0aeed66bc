package apigee_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	apigeev1 "google.golang.org/api/apigee/v1"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/schema"
)

// The resources probe: a compiled apiKey product with operations (its
// proxy and its API product, whose operation group lists each declared
// path with and without a trailing slash), a developer app holding the
// product, and calls with the app's key. The target is the faults probe's
// backend, which answers 502: a call that passed authentication and the
// role checks gets lingate's backend_error, one refused gets 401.
// It confirms docs/runtime.md, "API key and OAuth2 products and the API
// product": VerifyAPIKey checks the key's products against the request's
// resource and method (API product reference, operation groups: "Apigee
// checks the request's path and verb against the operations"), so an
// undeclared path or method is refused in the PreFlow, and lingate's
// reading of a trailing slash (the resource "/orders/" listed beside
// "/orders") holds.

// resourceCall is one call of the probe and the status and code it gets.
type resourceCall struct {
	method, path string
	status       int
	code         string
}

var resourceCalls = []resourceCall{
	{"GET", "/orders", 502, "backend_error"},
	{"GET", "/orders/", 502, "backend_error"},
	{"GET", "/orders/42", 502, "backend_error"},
	{"GET", "/orders/42/", 502, "backend_error"},
	{"GET", "/nothing", 401, "unauthenticated"},
	{"POST", "/orders", 401, "unauthenticated"},
}

// resourceConfig is the probe product called name, with operations,
// whose target is https://<host>/<backend>.
func resourceConfig(org, env, name, host, backend string) *schema.Config {
	cfg := probeConfig(org, env, name, schema.Auth{APIKey: &schema.KeyAuth{Claim: "groups"}})
	p := cfg.Products[name]
	p.Target = &schema.Target{URL: "https://" + host + "/" + backend}
	p.Operations = []schema.Operation{{Path: "/orders", Methods: []string{"GET"}}, {Path: "/orders/{id}", Methods: []string{"GET"}}}
	return cfg
}

// createProduct creates the API product lingate compiles for product
// name of cfg, and deletes it when the test ends.
func (c *contractTarget) createProduct(t *testing.T, cfg *schema.Config, name string) {
	t.Helper()
	prod, err := compile.Product(cfg, "acc", name)
	if err != nil {
		t.Fatalf("compile the product %s: %v", name, err)
	}
	prod.Environments = []string{c.env}
	data, err := json.Marshal(prod)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := c.raw(t, http.MethodPost, "/apiproducts", nil, "application/json", data); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("create the product %s: %d %s", name, code, body)
	}
	t.Cleanup(func() { _, _ = c.svc.Organizations.Apiproducts.Delete(c.name("/apiproducts/", name)).Do() })
}

// developerApp creates a developer and an app called name holding product
// name, with the groups attribute the probe role reads, deletes both when
// the test ends, and returns the app's key (never logged).
func (c *contractTarget) developerApp(t *testing.T, name string) string {
	t.Helper()
	email := name + "@lingate.invalid"
	dev := &apigeev1.GoogleCloudApigeeV1Developer{Email: email, FirstName: "lingate", LastName: "probe", UserName: name}
	if _, err := c.svc.Organizations.Developers.Create(c.name(), dev).Do(); err != nil {
		t.Fatalf("create the developer: %v", err)
	}
	t.Cleanup(func() { _, _ = c.svc.Organizations.Developers.Delete(c.name("/developers/", email)).Do() })
	app := &apigeev1.GoogleCloudApigeeV1DeveloperApp{Name: name, ApiProducts: []string{name},
		Attributes: []*apigeev1.GoogleCloudApigeeV1Attribute{{Name: "groups", Value: "probe"}}}
	got, err := c.svc.Organizations.Developers.Apps.Create(c.name("/developers/", email), app).Do()
	if err != nil {
		t.Fatalf("create the app: %v", err)
	}
	t.Cleanup(func() {
		_, _ = c.svc.Organizations.Developers.Apps.Delete(c.name("/developers/", email, "/apps/", name)).Do()
	})
	if len(got.Credentials) == 0 || got.Credentials[0].ConsumerKey == "" {
		t.Fatal("the new app has no key")
	}
	return got.Credentials[0].ConsumerKey
}

// TestContractProductResources deploys the resources probe and sends each
// call, on a real organization only (runtimeProbe).
func TestContractProductResources(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	backend := api + "-backend"
	cfg := resourceConfig(c.org, c.env, api, host, backend)
	c.deployProbe(t, backend, zipOf(t, backendProbe(t, backend)))
	_, z := compiledProbe(t, cfg, api)
	c.deployProbe(t, api, z)
	c.createProduct(t, cfg, api)
	key := http.Header{"X-Api-Key": {c.developerApp(t, api)}}
	waitForKey(t, "https://"+host+"/"+api+resourceCalls[0].path, key)
	for _, call := range resourceCalls {
		resp, body := probeCall(t, call.method, "https://"+host+"/"+api+call.path, "", key)
		if resp.StatusCode != call.status {
			t.Errorf("%s %s: status %d, want %d: %s", call.method, call.path, resp.StatusCode, call.status, body)
			continue
		}
		wantErrorBody(t, body, call.status, call.code)
	}
}

// waitForKey calls url with a new app's key until Apigee stops refusing
// it (a new key can take a while to reach the runtime), for two minutes.
func waitForKey(t *testing.T, url string, key http.Header) {
	t.Helper()
	for range 24 {
		if resp, _ := probeCall(t, http.MethodGet, url, "", key); resp.StatusCode != http.StatusUnauthorized {
			return
		}
		time.Sleep(5 * time.Second)
	}
	t.Fatalf("GET %s: the new app's key still refused after two minutes", url)
}

// TestResourceProbeProduct imports the resources probe's proxy and
// creates its API product on the emulator (or the real organization), so
// a product the runtime test could not create fails offline.
func TestResourceProbeProduct(t *testing.T) {
	c := newContractTarget(t)
	api := accName(t)
	cfg := resourceConfig(c.org, c.env, api, "probes.example", api+"-backend")
	_, z := compiledProbe(t, cfg, api)
	if code, body := c.importBundle(t, "import", api, z); code != http.StatusOK {
		t.Fatalf("import %s: %d %s", api, code, body)
	}
	t.Cleanup(func() { _, _ = c.svc.Organizations.Apis.Delete(c.name("/apis/", api)).Do() })
	c.createProduct(t, cfg, api)
}
