package apigee

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

// edgeConfig is a Config of unusual but valid policies: a product no role
// is granted on, one with twenty roles and long, odd group names split over
// several conditions, markup in every free-text value, path parameters,
// and per-month quotas.
func edgeConfig() *schema.Config {
	cfg := &schema.Config{
		Environments: map[string]*schema.Environment{"edge": {Apigee: schema.ApigeeTarget{Organization: "o", Environment: "edge"}}},
		Tiers:        map[string]*schema.Tier{"t1": {}, "t2": {}},
		Products: map[string]*schema.Product{
			"lonely": {
				DisplayName: "No roles", BasePath: "/lonely", Environments: []string{"edge"},
				Target: &schema.Target{Server: "ts"}, Auth: schema.Auth{APIKey: &schema.KeyAuth{}}, Tier: "t1",
			},
			"crowded": {
				DisplayName: hostile, Description: hostile, BasePath: "/crowded/v1", Environments: []string{"edge"},
				Target:  &schema.Target{URL: `https://c.example/p?a=1&b="2"`},
				Targets: map[string]*schema.Target{"t2": {URL: "http://t2.example"}},
				Auth: schema.Auth{OIDC: &schema.OIDC{Issuer: `https://id.example/t?x=1&y=<2>`, Audience: hostile,
					Claim: "https://id.example/claims/groups"}},
				Quota: &schema.Quota{Limit: 1000000, Per: "month"}, SpikeArrest: "600pm",
				CORS: &schema.CORS{Origins: []string{"http://localhost:8080"}, Methods: []string{"GET"}, Headers: []string{"X-A"}},
				Operations: []schema.Operation{
					{Path: "/items/{id}/parts/{part}", Methods: []string{"GET", "PUT", "PATCH"}, Scopes: []string{"a", "b", "c", "d", "e"}},
					{Path: "/items/**", Methods: []string{"GET"}, Scopes: []string{"z"}},
					{Path: "/", Methods: []string{"HEAD", "OPTIONS"}},
				},
				Headers: schema.Headers{
					Request:  schema.HeaderOps{Set: map[string]string{"X-Hostile": hostile}},
					Response: schema.HeaderOps{Set: map[string]string{"X-Also": hostile}, Remove: []string{"X-Powered-By"}},
				},
				Tier: "t1", Approval: "manual", Attributes: map[string]string{"note": hostile},
			},
		},
		Roles: map[string]*schema.Role{},
	}
	for i := 0; i < 20; i++ {
		var groups []string
		for j := 0; j < 6; j++ {
			groups = append(groups, fmt.Sprintf("CN=Group %d/%d (€ & <co>) 'x'", i, j)+strings.Repeat("z", 10*j))
		}
		g := &schema.Grant{Scopes: []string{string(rune('a' + i%5)), "z"}}
		if i%3 == 0 {
			g.Methods = []string{"GET"}
		}
		if i%2 == 0 {
			g.Quota = &schema.Quota{Limit: 10 + i, Per: []string{"second", "minute", "hour", "day", "month"}[i%5]}
		}
		tier := "t1"
		if i%4 == 0 {
			tier = "t2"
		}
		cfg.Roles[fmt.Sprintf("role-%02d", i)] = &schema.Role{Members: schema.Members{Claims: schema.Claims{Groups: groups}},
			Grants: map[string]*schema.Grant{"crowded": g}, Tier: tier}
	}
	fillNames(cfg)
	return cfg
}

func TestLintEdgeCases(t *testing.T) {
	lintAll(t, edgeConfig(), "edge")
}

// TestEdgeCaseSemantics runs a request through the crowded proxy as a
// member of one role whose group name is full of markup.
func TestEdgeCaseSemantics(t *testing.T) {
	files, _ := mustBundle(t, edgeConfig(), "edge", "crowded")
	claim := "jwt.JWT-Verify.decoded.claim.https://id.example/claims/groups"
	member := map[string]string{claim: `["CN=Group 3/5 (€ & <co>) 'x'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]`, "jwt.JWT-Verify.claim.subject": "s"}
	if got := simulate(t, files, "GET", "/items/1/parts/2", member); got.status != 0 || got.headers[storageTierTitle] != "t1" {
		t.Errorf("role-03 member reading: %+v", got)
	}
	if got := simulate(t, files, "PUT", "/items/1/parts/2", member); got.status != 403 {
		t.Errorf("role-03 may only GET, got %+v", got)
	}
	if got := simulate(t, files, "GET", "/", member); got.status != 405 || got.headers["Allow"] != "HEAD, OPTIONS" {
		t.Errorf("GET / is not declared, only HEAD and OPTIONS; got %+v", got)
	}
	if got := simulate(t, files, "GET", "/nothing", member); got.status != 404 {
		t.Errorf("GET /nothing matches no declared path, got %+v", got)
	}
	lonely, _ := mustBundle(t, edgeConfig(), "edge", "lonely")
	if got := simulate(t, lonely, "GET", "/", map[string]string{"verifyapikey.VA-Verify.app.groups": "anyone"}); got.status != 403 {
		t.Errorf("a product without roles admits no one, got %+v", got)
	}
}
