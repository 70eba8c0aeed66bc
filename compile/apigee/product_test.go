package apigee

import (
	"encoding/json"
	"slices"
	"testing"

	apigeev1 "google.golang.org/api/apigee/v1"
)

func TestAPIProductFields(t *testing.T) {
	cfg := richConfig()
	prod, err := Product(cfg, "prod", "payments")
	if err != nil {
		t.Fatal(err)
	}
	if prod.Name != "payments" || prod.DisplayName != "Payments API" || prod.Description != "Card payments" || prod.ApprovalType != "manual" {
		t.Errorf("identity %+v", prod)
	}
	if !slices.Equal(prod.Environments, []string{"prod-env"}) || !slices.Equal(prod.Proxies, []string{"payments"}) {
		t.Errorf("environments %v proxies %v", prod.Environments, prod.Proxies)
	}
	if want := []string{"payments.admin", "payments.read", "payments.write"}; !slices.Equal(prod.Scopes, want) {
		t.Errorf("scopes %v, want %v", prod.Scopes, want)
	}
	if prod.Quota != "1000" || prod.QuotaInterval != "1" || prod.QuotaTimeUnit != "minute" {
		t.Errorf("quota %s/%s %s", prod.Quota, prod.QuotaInterval, prod.QuotaTimeUnit)
	}
	want := []Attribute{{"access", "private"}, {"cost-center", "cc-1042"}, {ManagedAttribute, ManagedValue}}
	if !slices.Equal(prod.Attributes, want) {
		t.Errorf("attributes %v", prod.Attributes)
	}
	g := prod.OperationGroup
	if g == nil || g.OperationConfigType != "proxy" || len(g.OperationConfigs) != 7 {
		t.Fatalf("operation group %+v", g)
	}
	// One resource/method pair per configuration, as Apigee requires.
	for i, c := range g.OperationConfigs {
		if c.APISource != "payments" || len(c.Operations) != 1 {
			t.Errorf("operation config %d: %+v, want one operation of payments", i, c)
		}
	}
	// As the proxy's flows read them: HEAD implied by GET, and the path
	// with a trailing slash.
	for i, res := range []string{"/charges/*", "/charges/*/"} {
		op := g.OperationConfigs[4+i].Operations[0]
		if op.Resource != res || !slices.Equal(op.Methods, []string{"GET", "DELETE", "HEAD"}) {
			t.Errorf("operation config %d: %+v, want %s with GET, DELETE and the HEAD GET implies", 4+i, op, res)
		}
	}
	if rest := g.OperationConfigs[6].Operations; rest[0].Resource != "/refunds/**" {
		t.Errorf("/refunds/** already matches a trailing slash: %+v", rest)
	}
}

func TestAPIProductWithoutOperationsOrQuota(t *testing.T) {
	cfg := richConfig()
	prod, err := Product(cfg, "prod", "reports")
	if err != nil {
		t.Fatal(err)
	}
	data, err := productJSON(prod)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"operationGroup", "quota", "quotaInterval", "quotaTimeUnit", "description"} {
		if _, ok := raw[absent]; ok {
			t.Errorf("%s present in %s", absent, data)
		}
	}
	if prod.ApprovalType != "auto" || !slices.Equal(prod.Scopes, []string{"reports.read"}) {
		t.Errorf("%+v", prod)
	}
}

func TestAPIProductPerSecondQuota(t *testing.T) {
	prod, err := Product(richConfig(), "prod", "inventory")
	if err != nil {
		t.Fatal(err)
	}
	if prod.Quota != "1200" || prod.QuotaTimeUnit != "minute" {
		t.Errorf("20/second became %s per %s %s", prod.Quota, prod.QuotaInterval, prod.QuotaTimeUnit)
	}
}

// The JSON is what the Go client's type reads: same names, quota as strings.
func TestAPIProductJSONFitsTheClientType(t *testing.T) {
	cfg := richConfig()
	cfg.Products["payments"].Attributes["note"] = hostile
	prod, err := Product(cfg, "prod", "payments")
	if err != nil {
		t.Fatal(err)
	}
	data, err := productJSON(prod)
	if err != nil {
		t.Fatal(err)
	}
	var c apigeev1.GoogleCloudApigeeV1ApiProduct
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if c.Name != "payments" || c.Quota != "1000" || c.ApprovalType != "manual" || len(c.OperationGroup.OperationConfigs) != 7 ||
		c.OperationGroup.OperationConfigs[0].Operations[0].Resource != "/charges" {
		t.Errorf("client type read %+v", c)
	}
	found := false
	for _, a := range c.Attributes {
		found = found || a.Name == "note" && a.Value == hostile
	}
	if !found {
		t.Errorf("hostile attribute value did not survive: %s", data)
	}
}

func TestProductOfUndeployedProduct(t *testing.T) {
	cfg := richConfig()
	cfg.Environments["dev"] = cfg.Environments["prod"]
	if _, err := Product(cfg, "dev", "payments"); err == nil {
		t.Error("no error for a product not deployed to dev")
	}
	if _, err := Product(cfg, "nowhere", "payments"); err == nil {
		t.Error("no error for an unknown environment")
	}
}
