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
