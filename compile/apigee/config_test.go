package apigee

import "github.com/lingate/lingate/schema"

// richConfig exercises every feature the compiler has: all three auth
// kinds, a TargetServer, targets per tier, operations with scopes, CORS,
// header transforms, quotas of every period, and many roles.
func richConfig() *schema.Config {
	cfg := &schema.Config{
		Environments: map[string]*schema.Environment{
			"prod": {Apigee: schema.ApigeeTarget{Organization: "acme", Environment: "prod-env"},
				Linstor: schema.LinstorTarget{ResourceGroupPrefix: "prod-"}},
		},
		Tiers: map[string]*schema.Tier{"fast": {}, "standard": {}, "archive": {}},
		Products: map[string]*schema.Product{
			"payments": {
				DisplayName: "Payments API", Description: "Card payments", BasePath: "/payments/v1",
				Environments: []string{"prod"},
				Target:       &schema.Target{URL: "https://payments.internal.example.com/api"},
				Targets: map[string]*schema.Target{
					"archive": {Server: "payments-archive"},
					"fast":    {URL: "https://fast.payments.internal.example.com"},
				},
				Auth:        schema.Auth{OIDC: &schema.OIDC{Issuer: "https://acme.okta.com/oauth2/default", Audience: "api://payments", Claim: "groups"}},
				Quota:       &schema.Quota{Limit: 1000, Per: "minute"},
				SpikeArrest: "100ps",
				CORS:        &schema.CORS{Origins: []string{"https://app.example.com", "https://admin.example.com"}},
				Operations: []schema.Operation{
					{Path: "/charges/{id}", Methods: []string{"GET", "DELETE"}, Scopes: []string{"payments.read", "payments.admin"}},
					{Path: "/charges", Methods: []string{"GET", "POST"}, Scopes: []string{"payments.read", "payments.write"}},
					{Path: "/charges/export", Methods: []string{"GET"}},
					{Path: "/refunds/**", Methods: []string{"POST"}, Scopes: []string{"payments.write"}},
				},
				Headers: schema.Headers{
					Request:  schema.HeaderOps{Set: map[string]string{"X-Api-Product": "payments"}, FromVariable: map[string]string{"X-Client": "client_id"}, Remove: []string{"Cookie", "X-Debug"}},
					Response: schema.HeaderOps{Set: map[string]string{"Cache-Control": "no-store"}, Remove: []string{"Server"}},
				},
				Tier: "standard", Approval: "manual",
				Attributes: map[string]string{"cost-center": "cc-1042", "access": "private"},
			},
			"inventory": {
				DisplayName: "Inventory API", BasePath: "/inventory/v1", Environments: []string{"prod"},
				Target: &schema.Target{Server: "inventory-backend"},
				Auth:   schema.Auth{APIKey: &schema.KeyAuth{Claim: "team"}},
				Quota:  &schema.Quota{Limit: 20, Per: "second"},
				CORS:   &schema.CORS{Origins: []string{"*"}},
				Tier:   "standard", Approval: "auto",
			},
			"reports": {
				DisplayName: "Reports API", BasePath: "/reports/v1", Environments: []string{"prod"},
				Targets: map[string]*schema.Target{"archive": {URL: "http://reports.internal.example.com"}},
				Auth:    schema.Auth{OAuth2: &schema.KeyAuth{Claim: "groups"}},
				Tier:    "archive", Approval: "auto",
			},
			"keys": {
				DisplayName: "Keys API", BasePath: "/keys/v1", Environments: []string{"prod"},
				Target: &schema.Target{URL: "https://keys.internal.example.com"},
				Auth:   schema.Auth{OIDC: &schema.OIDC{Issuer: "https://login.example.com/", Audience: "keys", JWKSURI: "https://login.example.com/keys", Claim: "roles"}},
				Tier:   "fast", Approval: "auto",
			},
		},
		Roles: map[string]*schema.Role{
			"payments-writer": {Members: schema.Members{Claims: schema.Claims{Groups: []string{"payments-eng", "checkout svc", "CN=payments,OU=eng,DC=acme"}}},
				Grants: map[string]*schema.Grant{"payments": {Scopes: []string{"payments.read", "payments.write"}, Quota: &schema.Quota{Limit: 600, Per: "minute"}}},
				Tier:   "fast"},
			"payments-reader": {Members: schema.Members{Claims: schema.Claims{Groups: []string{"support", "finance.analysts", "Ünïcode/Group"}}},
				Grants: map[string]*schema.Grant{
					"payments": {Scopes: []string{"payments.read"}, Methods: []string{"GET"}, Quota: &schema.Quota{Limit: 100, Per: "minute"}},
					"reports":  {Scopes: []string{"reports.read"}, Methods: []string{"GET"}},
				},
				Tier: "standard"},
			"payments-admin": {Members: schema.Members{Claims: schema.Claims{Groups: []string{"payments-admins"}}},
				Grants: map[string]*schema.Grant{"payments": {Scopes: []string{"payments.admin", "payments.read"}, Methods: []string{"GET", "DELETE"}}},
				Tier:   "archive"},
			"bulk": {Members: schema.Members{Claims: schema.Claims{Groups: []string{"bulk-import"}}},
				Grants: map[string]*schema.Grant{
					"payments":  {Scopes: []string{"payments.write"}, Methods: []string{"POST"}, Quota: &schema.Quota{Limit: 10, Per: "second"}},
					"inventory": {Scopes: []string{"inventory.write"}, Quota: &schema.Quota{Limit: 5000, Per: "day"}},
				},
				Tier: "archive"},
			"warehouse": {Members: schema.Members{Claims: schema.Claims{Groups: []string{"warehouse"}}},
				Grants: map[string]*schema.Grant{"inventory": {Scopes: []string{"inventory.read"}, Quota: &schema.Quota{Limit: 2, Per: "month"}},
					"keys": {Scopes: []string{"keys.read"}}},
				Tier: "standard"},
		},
	}
	fillNames(cfg)
	return cfg
}

// fillNames sets Name fields from map keys, as the loader does.
func fillNames(cfg *schema.Config) {
	for n, e := range cfg.Environments {
		e.Name = n
	}
	for n, t := range cfg.Tiers {
		t.Name = n
	}
	for n, p := range cfg.Products {
		p.Name = n
	}
	for n, r := range cfg.Roles {
		r.Name = n
	}
}
