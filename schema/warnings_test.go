package schema

import (
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	src := `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["sandbox"], tier: "fast", auth: apiKey: {}, target: url: "https://l"
	operations: [{path: "/a", methods: ["GET"], scopes: ["ledger.read"]}, {path: "/b", methods: ["POST"], scopes: ["ledger.write"]}]
}
products: orphan: {displayName: "O", basePath: "/orphan", environments: ["sandbox"], tier: "fast", auth: apiKey: {}, target: url: "https://o"}
roles: idle: {members: claims: groups: ["x"], grants: {}, tier: "fast"}
roles: lost: {members: claims: groups: ["y"], grants: ledger: {scopes: ["ledger.admin"], methods: ["GET"]}, tier: "fast"}
tiers: vault: {description: "v", replicas: 2, storagePools: ["ssd"], layers: ["DRBD", "LUKS", "STORAGE"]
	properties: {"Luks/x": "1", "NVMe/TRType": "tcp", "StorPoolName": "hdd", "DrbdOptions/Net/max-buffers": "8000"}}
`
	cfg, err := loadExtra(t, map[string]string{"case.cue": policy(src)})
	if err != nil {
		t.Fatalf("want valid, got\n%.2000v", err)
	}
	var got []string
	for _, w := range cfg.Warnings() {
		got = append(got, Warning(w))
	}
	want := []string{
		`policies/base.cue:21:2: warning: products.orders.auth: product orders takes roles from the developer app attribute "groups"`,
		`policies/case.cue:4:100: warning: products.ledger.auth: product ledger takes roles from the developer app attribute "groups": anyone who can edit the app's attributes can assign any role`,
		`policies/case.cue:7:11: warning: products.orphan: no role grants product orphan: every caller would be refused with 403`,
		`policies/case.cue:8:47: warning: roles.idle.grants: role idle grants nothing`,
		`policies/case.cue:9:55: warning: roles.lost.grants.ledger: role lost reaches no operation of product ledger`,
		`policies/case.cue:9:73: warning: roles.lost.grants.ledger.scopes[0]: scope ledger.admin is asked for by no operation of product ledger (expected one of: ledger.read, ledger.write)`,
		`warning: tiers.vault.layers: tier vault lists the LUKS layer but says encrypted: false`,
		`warning: tiers.vault.properties."NVMe/TRType": property NVMe/TRType configures the NVME layer, which tier vault's layers (DRBD, LUKS, STORAGE) do not hold`,
		`warning: tiers.vault.properties.StorPoolName: property StorPoolName is hdd, which is not among the tier's storagePools (ssd)`,
	}
	if len(got) != len(want) {
		t.Errorf("%d warnings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if i < len(got) && !strings.Contains(got[i], w) {
			t.Errorf("warning %d:\n%s\nwant it to hold\n%s", i, got[i], w)
		}
	}
}

func TestRuntimeWarnings(t *testing.T) {
	src := `
products: pay: {displayName: "P", basePath: "/pay", environments: ["sandbox"], tier: "fast", auth: oidc: {issuer: "https://id.example", audience: "pay"}, target: url: "https://p"
	approval: "manual"
	cors: {origins: ["https://app.example"], methods: ["GET"]}
	operations: [{path: "/a", methods: ["GET", "POST"], scopes: ["r", "w"]}, {path: "/b", methods: ["DELETE"], scopes: ["x"]}]
}
roles: reader: {members: claims: groups: ["r"], grants: pay: {scopes: ["r"], methods: ["GET"]}, tier: "fast"}
roles: writer: {members: claims: groups: ["w"], grants: pay: {scopes: ["w"], quota: {limit: 5, per: "second"}}, tier: "slow"}
roles: admin: {members: claims: groups: ["a"], grants: pay: {scopes: ["x"], methods: ["DELETE"]}, tier: "slow"}
tiers: slow: {description: "s", replicas: 2, storagePools: ["hdd"], layers: ["DRBD", "STORAGE"]}
`
	cfg, err := loadExtra(t, map[string]string{"case.cue": policy(src)})
	if err != nil {
		t.Fatalf("want valid, got\n%.2000v", err)
	}
	var got []string
	for _, w := range cfg.Warnings() {
		if strings.Contains(w.Path, "pay") || strings.Contains(w.Path, "reader") || strings.Contains(w.Path, "writer") || strings.Contains(w.Path, "admin") {
			got = append(got, Warning(w))
		}
	}
	want := []string{
		"products.pay.approval: product pay authenticates with OIDC, so its proxy runs no API product check: approval: manual has no effect",
		"products.pay.cors.methods: CORS allows GET, but operations of product pay also take DELETE, POST: browsers refuse those calls at preflight",
		// reader and writer can both GET /a; admin overlaps neither.
		"roles.writer.tier: roles reader (tier fast) and writer (tier slow) can both authorise GET /a on product pay: a caller in both is placed on fast, the tier of reader",
	}
	if len(got) != len(want) {
		t.Fatalf("%d warnings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("warning %d:\n%s\nwant it to hold\n%s", i, got[i], w)
		}
	}
}
