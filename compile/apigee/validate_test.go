package apigee

import (
	"errors"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	p.Headers.Request.Set["X-Split"] = "a\r\nInjected: yes"
	p.Description = "bell \a"
	p.Operations = append(p.Operations,
		schema.Operation{Path: `/q"uote`, Methods: []string{"GET"}},
		schema.Operation{Path: "/charges/{other}", Methods: []string{"DELETE"}})
	p.CORS.Origins = append(p.CORS.Origins, "*")
	p.Attributes[ManagedAttribute] = "no"
	cfg.Environments["prod"].Linstor.ResourceGroupPrefix = "{x}"
	cfg.Roles["payments-writer"].Members.Claims.Groups = append(cfg.Roles["payments-writer"].Members.Claims.Groups, "CN=a,OU=b", " pad", "nul\x00")
	_, _, err := Bundle(cfg, "prod", "payments")
	var errs schema.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want schema.Errors, got %v", err)
	}
	want := []string{
		`products.payments.headers.request.set."X-Split": header value spans lines`,
		`products.payments.description: value holds the control character U+0007`,
		`products.payments.operations[4].path: path /q"uote holds a quote`,
		`products.payments.operations[5].path: operation DELETE /charges/* matches the same requests as operations[0]`,
		`products.payments.cors.origins[2]: origin "*" is listed with other origins`,
		`products.payments.attributes."lingate-managed": attribute lingate-managed is lingate's ownership marker`,
		`environments.prod.linstor.resourceGroupPrefix: value "{x}" holds a brace`,
		`roles."payments-writer".members.claims.groups[5]: value holds the control character U+0000`,
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(errs), len(want), got)
	}
}

func TestValidateAttributeCount(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["keys"]
	p.Attributes = map[string]string{}
	for i := 0; i < MaxAttributes; i++ {
		p.Attributes[string(rune('a'+i))] = "v"
	}
	_, _, err := Bundle(cfg, "prod", "keys")
	if err == nil || !strings.Contains(err.Error(), "products.keys.attributes: 18 attributes (expected at most 17") {
		t.Errorf("got %v", err)
	}
}

func TestValidateInvalidUTF8(t *testing.T) {
	cfg := richConfig()
	cfg.Products["keys"].DisplayName = "bad \xff"
	if _, _, err := Bundle(cfg, "prod", "keys"); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("got %v", err)
	}
}

func TestCompileCollectsProblemsOfAllProducts(t *testing.T) {
	cfg := richConfig()
	cfg.Products["keys"].Description = "\x00"
	cfg.Products["reports"].Description = "\x01"
	_, err := Compile(cfg, "prod")
	var errs schema.Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("want two problems, got %v", err)
	}
	if checked := Check(cfg, "prod"); checked == nil || checked.Error() != err.Error() {
		t.Errorf("Check = %v, want what Compile found: %v", checked, err)
	}
	if err := Check(richConfig(), "prod"); err != nil {
		t.Errorf("Check of valid policies: %v", err)
	}
	if err := Check(cfg, "mars"); err == nil {
		t.Error("Check of an unknown environment passed")
	}
}

// encoding/xml writes a character XML cannot hold as U+FFFD without an
// error, so a control character in a URL the schema lets through would
// silently change the issuer, key set, backend or origin in the bundle.
func TestValidateURLsHoldOnlyXMLText(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	p.Auth.OIDC.Issuer = "https://acme.okta.com/\x01"
	p.Auth.OIDC.JWKSURI = "https://acme.okta.com/keys\x02"
	p.Target.URL = "https://payments\x03.internal.example.com"
	p.Targets["fast"].URL = "https://fast\x04.example.com"
	p.CORS.Origins[1] = "https://admin\x05.example.com"
	_, _, err := Bundle(cfg, "prod", "payments")
	var errs schema.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want schema.Errors, got %v", err)
	}
	want := []string{
		"products.payments.auth.oidc.issuer: value holds the control character U+0001",
		"products.payments.auth.oidc.jwksUri: value holds the control character U+0002",
		"products.payments.target.url: value holds the control character U+0003",
		"products.payments.targets.fast.url: value holds the control character U+0004",
		"products.payments.cors.origins[1]: value holds the control character U+0005",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in\n%v", w, err)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(errs), len(want), err)
	}
}

// TestValidateIssuerQuote refuses an issuer the discovery condition could
// not quote (the schema's URL pattern lets a double quote through), and
// only when discovery compares it.
func TestValidateIssuerQuote(t *testing.T) {
	cfg := richConfig()
	o := cfg.Products["payments"].Auth.OIDC
	o.Issuer, o.JWKSURI = `https://idp.example/a"b`, ""
	_, _, err := Bundle(cfg, "prod", "payments")
	want := `products.payments.auth.oidc.issuer: issuer https://idp.example/a"b holds a double quote, which OIDC discovery cannot compare (expected a URL, or jwksUri set)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v", err)
	}
	o.Issuer = `https://idp.example/a\b`
	if _, _, err := Bundle(cfg, "prod", "payments"); err != nil {
		t.Errorf("a backslash is refused: %v", err)
	}
	o.Issuer, o.JWKSURI = `https://idp.example/a"b`, "https://idp.example/keys"
	if _, _, err := Bundle(cfg, "prod", "payments"); err != nil {
		t.Errorf("a quote is refused with jwksUri: %v", err)
	}
}
