package apigee_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	apigeev1 "google.golang.org/api/apigee/v1"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

func goldProduct() *apigeev1.GoogleCloudApigeeV1ApiProduct {
	return &apigeev1.GoogleCloudApigeeV1ApiProduct{
		Name: "orders-gold", DisplayName: "Orders (gold)", ApprovalType: "auto",
		Attributes:   []*apigeev1.GoogleCloudApigeeV1Attribute{{Name: "access", Value: "private"}},
		Environments: []string{"prod"}, Scopes: []string{"orders.read"}, QuotaCounterScope: "PROXY",
		OperationGroup: &apigeev1.GoogleCloudApigeeV1OperationGroup{
			OperationConfigType: "proxy",
			OperationConfigs: []*apigeev1.GoogleCloudApigeeV1OperationConfig{{
				ApiSource:  "orders-v1",
				Operations: []*apigeev1.GoogleCloudApigeeV1Operation{{Resource: "/orders", Methods: []string{"GET"}}},
				Quota:      &apigeev1.GoogleCloudApigeeV1Quota{Limit: "1000", Interval: "1", TimeUnit: "minute"},
			}},
		},
	}
}

func TestProductCRUDWithGoogleClient(t *testing.T) {
	f := newFixture(t, emu.Config{})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	products := f.svc.Organizations.Apiproducts
	created, err := products.Create(orgPath("sandbox"), goldProduct()).Do()
	if err != nil {
		t.Fatal(err)
	}
	if created.CreatedAt != 1_700_000_000_000 || created.LastModifiedAt != created.CreatedAt {
		t.Errorf("timestamps %d %d, want the server clock", created.CreatedAt, created.LastModifiedAt)
	}
	created.ServerResponse, created.CreatedAt, created.LastModifiedAt = goldProduct().ServerResponse, 0, 0
	if !reflect.DeepEqual(created, goldProduct()) {
		t.Errorf("create answered %+v, want the product back", created)
	}
	_, err = products.Create(orgPath("sandbox"), goldProduct()).Do()
	ge := wantGoogleError(t, err, http.StatusConflict, "orders-gold already exists")
	if e := decodeError(t, []byte(ge.Body)); e.Error.Status != "ALREADY_EXISTS" {
		t.Errorf("409 status %q, want ALREADY_EXISTS", e.Error.Status)
	}

	f.clock.Add(time.Minute)
	replacement := &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "orders-gold", DisplayName: "Gold", ApprovalType: "manual"}
	updated, err := products.Update(orgPath("sandbox")+"/apiproducts/orders-gold", replacement).Do()
	if err != nil {
		t.Fatal(err)
	}
	got, err := products.Get(orgPath("sandbox") + "/apiproducts/orders-gold").Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.Attributes != nil || got.Scopes != nil || got.OperationGroup != nil || got.DisplayName != "Gold" || got.ApprovalType != "manual" {
		t.Errorf("after PUT = %+v, want only the fields of the PUT body", got)
	}
	if got.CreatedAt != 1_700_000_000_000 || got.LastModifiedAt != 1_700_000_060_000 || updated.LastModifiedAt != got.LastModifiedAt {
		t.Errorf("after PUT timestamps %d %d, want createdAt kept and lastModifiedAt moved", got.CreatedAt, got.LastModifiedAt)
	}

	deleted, err := products.Delete(orgPath("sandbox") + "/apiproducts/orders-gold").Do()
	if err != nil || deleted.DisplayName != "Gold" {
		t.Fatalf("delete answered %+v, %v; want the deleted product", deleted, err)
	}
	_, err = products.Get(orgPath("sandbox") + "/apiproducts/orders-gold").Do()
	ge = wantGoogleError(t, err, http.StatusNotFound, "ApiProduct with name orders-gold does not exist")
	if !strings.Contains(ge.Body, "keymanagement.service.apiproduct_doesnot_exist") {
		t.Errorf("404 body %s lacks the violation type", ge.Body)
	}
	_, err = products.Update(orgPath("sandbox")+"/apiproducts/orders-gold", replacement).Do()
	wantGoogleError(t, err, http.StatusNotFound, "does not exist")
}

func TestProductList(t *testing.T) {
	f := newFixture(t, emu.Config{})
	products := f.svc.Organizations.Apiproducts
	for _, p := range []struct{ name, access string }{{"a", "public"}, {"b", "private"}, {"c", "public"}} {
		body := &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: p.name, DisplayName: p.name,
			Attributes: []*apigeev1.GoogleCloudApigeeV1Attribute{{Name: "access", Value: p.access}}}
		if _, err := products.Create(orgPath("sandbox"), body).Do(); err != nil {
			t.Fatal(err)
		}
	}
	names := func(call *apigeev1.OrganizationsApiproductsListCall) string {
		t.Helper()
		resp, err := call.Do()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range resp.ApiProduct {
			out = append(out, p.Name+":"+p.DisplayName)
		}
		return strings.Join(out, ",")
	}
	parent := orgPath("sandbox")
	cases := map[string]struct {
		call *apigeev1.OrganizationsApiproductsListCall
		want string
	}{
		"names only": {products.List(parent), "a:,b:,c:"},
		"expand":     {products.List(parent).Expand(true), "a:a,b:b,c:c"},
		"attribute":  {products.List(parent).Attributename("access").Attributevalue("public"), "a:,c:"},
		"page":       {products.List(parent).StartKey("b").Count(1), "b:"},
	}
	for name, tc := range cases {
		if got := names(tc.call); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}

func TestProductBodiesAreCheckedLikeProtos(t *testing.T) {
	f := newFixture(t, emu.Config{})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	cases := []struct {
		name, body, msg string
	}{
		{"unknown field", `{"name":"p","displayNme":"x"}`, `Unknown name "displayNme" at 'api_product': Cannot find field.`},
		{"nested unknown field", `{"name":"p","operationGroup":{"operationConfigs":[{"apiSource":"orders-v1","qouta":{}}]}}`,
			`Unknown name "qouta" at 'api_product.operation_group.operation_configs[0]'`},
		{"quota as a number", `{"name":"p","quota":100}`, `Invalid value at 'api_product.quota' (TYPE_STRING), 100`},
		{"nested quota as a number", `{"name":"p","operationGroup":{"operationConfigs":[{"apiSource":"orders-v1","quota":{"limit":5}}]}}`,
			`Invalid value at 'api_product.operation_group.operation_configs[0].quota.limit' (TYPE_STRING), 5`},
		{"not JSON", `{"name":`, "Invalid JSON payload received."},
		{"not an object", `["p"]`, "Root element must be a message."},
		{"no name", `{"displayName":"x"}`, "API product name is required"},
		{"bad name", `{"name":"a/b"}`, "invalid API product name"},
		{"bad approval type", `{"name":"p","approvalType":"AUTO"}`, "must be auto or manual"},
		{"missing proxy", `{"name":"p","proxies":["nope"]}`, "API proxy nope named by API product p does not exist"},
		{"missing operation proxy", `{"name":"p","operationGroup":{"operationConfigs":[{"apiSource":"nope"}]}}`, "API proxy nope"},
		{"resources and operations", `{"name":"p","apiResources":["/"],"operationGroup":{"operationConfigs":[{"apiSource":"orders-v1"}]}}`,
			"apiResources and operationGroup cannot both be set"},
		{"two resource/method pairs in one config", `{"name":"p","displayName":"P","operationGroup":{"operationConfigs":[{"apiSource":"orders-v1","operations":[{"resource":"/a"},{"resource":"/b"}]}]}}`,
			"only a single resource/method pair"},
		{"too many attributes", `{"name":"p","attributes":[` + strings.Repeat(`{"name":"k","value":"v"},`, 18) + `{"name":"k"}]}`,
			"19 attributes, more than the 18 allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := f.do("POST", "organizations/sandbox/apiproducts", nil, "application/json", []byte(tc.body))
			e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
			if !strings.Contains(e.Error.Message, tc.msg) {
				t.Errorf("message %q, want it to contain %q", e.Error.Message, tc.msg)
			}
		})
	}
}

// Apigee answers proto3 JSON: default values are left out, timestamps are
// strings, and the body's own timestamps are ignored.
func TestProductDefaultsLeftOut(t *testing.T) {
	f := newFixture(t, emu.Config{})
	body := `{"name":"p","displayName":"P","description":"","scopes":[],"environments":["prod"],"createdAt":"5","quota":null}`
	code, resp := f.do("POST", "organizations/sandbox/apiproducts", nil, "application/json", []byte(body))
	if code != http.StatusOK {
		t.Fatalf("create: %d %s", code, resp)
	}
	code, resp = f.do("GET", "organizations/sandbox/apiproducts/p", url.Values{}, "", nil)
	var got map[string]any
	if err := json.Unmarshal(resp, &got); code != http.StatusOK || err != nil {
		t.Fatalf("get: %d %s", code, resp)
	}
	want := map[string]any{"name": "p", "displayName": "P", "environments": []any{"prod"}, "createdAt": "1700000000000", "lastModifiedAt": "1700000000000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("product JSON = %v, want %v", got, want)
	}
}

// Product names may hold spaces, $ and %; the path is unescaped once.
func TestProductNameWithReservedCharacters(t *testing.T) {
	f := newFixture(t, emu.Config{})
	products := f.svc.Organizations.Apiproducts
	const name = "Orders Gold $ 50%"
	if _, err := products.Create(orgPath("sandbox"), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: name, DisplayName: name}).Do(); err != nil {
		t.Fatal(err)
	}
	got, err := products.Get(orgPath("sandbox") + "/apiproducts/" + name).Do()
	if err != nil || got.Name != name {
		t.Fatalf("get %q = %+v, %v", name, got, err)
	}
	if _, err := products.Delete(orgPath("sandbox") + "/apiproducts/" + name).Do(); err != nil {
		t.Fatal(err)
	}
}

// Apigee refuses a product without a display name, on update
// (apigee/apigeecli#619: 400 "Invalid ApiProduct Name", violation
// keymanagement.service.apiproduct_invalid_displayname) and on create
// (apigeecli made --display-name required for create, #431). A PUT that
// replaces the whole product must carry it again.
func TestProductDisplayNameIsRequired(t *testing.T) {
	f := newFixture(t, emu.Config{})
	products := f.svc.Organizations.Apiproducts
	_, err := products.Create(orgPath("sandbox"), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "p", ApprovalType: "auto"}).Do()
	ge := wantGoogleError(t, err, http.StatusBadRequest, "Invalid ApiProduct Name")
	if !strings.Contains(ge.Body, "keymanagement.service.apiproduct_invalid_displayname") {
		t.Errorf("create without a display name: %s", ge.Body)
	}
	if _, err := products.Create(orgPath("sandbox"), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "p", DisplayName: "P"}).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = products.Update(orgPath("sandbox")+"/apiproducts/p", &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "p", ApprovalType: "manual"}).Do()
	wantGoogleError(t, err, http.StatusBadRequest, "Invalid ApiProduct Name")
	if got, err := products.Get(orgPath("sandbox") + "/apiproducts/p").Do(); err != nil || got.DisplayName != "P" || got.ApprovalType != "" {
		t.Errorf("after the refused update: %+v, %v; want it unchanged", got, err)
	}
}

// TestProductsReadBackAsStored: the operation group type defaults to
// "proxy", an operation quota without a time unit gets "hour", and the
// set-valued fields come back in the emulator's own (descending) order, as
// the real API does not keep the order it was sent.
func TestProductsReadBackAsStored(t *testing.T) {
	f := newFixture(t, emu.Config{})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	f.mustImport("sandbox", "payments", zipOf(t, validFiles("payments", "/payments")))
	products := f.svc.Organizations.Apiproducts
	in := &apigeev1.GoogleCloudApigeeV1ApiProduct{
		Name: "p", DisplayName: "P", Environments: []string{"dev", "prod"}, Proxies: []string{"orders-v1", "payments"},
		Scopes: []string{"a.read", "a.write"},
		OperationGroup: &apigeev1.GoogleCloudApigeeV1OperationGroup{OperationConfigs: []*apigeev1.GoogleCloudApigeeV1OperationConfig{{
			ApiSource:  "orders-v1",
			Operations: []*apigeev1.GoogleCloudApigeeV1Operation{{Resource: "/orders", Methods: []string{"GET", "POST"}}},
			Quota:      &apigeev1.GoogleCloudApigeeV1Quota{Limit: "10", Interval: "1"},
		}}},
	}
	if _, err := products.Create(orgPath("sandbox"), in).Do(); err != nil {
		t.Fatal(err)
	}
	got, err := products.Get(orgPath("sandbox") + "/apiproducts/p").Do()
	if err != nil {
		t.Fatal(err)
	}
	g := got.OperationGroup
	if g == nil || g.OperationConfigType != "proxy" || g.OperationConfigs[0].Quota.TimeUnit != "hour" {
		t.Fatalf("operation group = %+v, want type proxy and quota time unit hour", g)
	}
	sets := map[string][2][]string{
		"environments": {got.Environments, {"prod", "dev"}},
		"proxies":      {got.Proxies, {"payments", "orders-v1"}},
		"scopes":       {got.Scopes, {"a.write", "a.read"}},
		"methods":      {g.OperationConfigs[0].Operations[0].Methods, {"POST", "GET"}},
	}
	for name, gw := range sets {
		if !reflect.DeepEqual(gw[0], gw[1]) {
			t.Errorf("%s = %v, want %v", name, gw[0], gw[1])
		}
	}
}
