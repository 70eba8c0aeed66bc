package schema

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// base is a small valid configuration each case adds one file to.
const base = `package policies

environments: {
	sandbox: sandbox: true
	prod: {
		apigee: {organization: "acme", environment: "prod"}
		linstor: controllers: ["https://linstor:3371"]
	}
}
tiers: fast: {
	description:  "NVMe"
	replicas:     3
	storagePools: ["nvme"]
	replicasOnDifferent: ["Aux/zone"]
}
products: orders: {
	displayName:  "Orders"
	basePath:     "/orders"
	environments: ["sandbox", "prod"]
	target: url: "https://orders.internal"
	auth: apiKey: {}
	quota: {limit: 100, per: "minute"}
	operations: [{path: "/orders", methods: ["GET", "POST"]}]
	tier: "fast"
}
roles: clerk: {
	members: claims: groups: ["clerks"]
	grants: orders: scopes: ["orders.read"]
	tier: "fast"
}
`

// loadCase loads base plus one file, policies/case.cue.
func loadCase(t *testing.T, src string) error {
	t.Helper()
	_, err := Load(caseFS(src), "policies")
	return err
}

func caseFS(src string) fstest.MapFS {
	fsys := fstest.MapFS{"policies/base.cue": {Data: []byte(base)}}
	if src != "" {
		fsys["policies/case.cue"] = &fstest.MapFile{Data: []byte("package policies\n\n" + src)}
	}
	return fsys
}

func TestLoadBaseIsValid(t *testing.T) {
	if err := loadCase(t, ""); err != nil {
		t.Fatalf("base config: %v", err)
	}
}

// TestRules checks each rule's error text and position.
func TestRules(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"name pattern", `tiers: Fast: {description: "x", replicas: 1, storagePools: ["pool1"]}`,
			[]string{`policies/case.cue:3:8: tiers.Fast: invalid name "Fast" (expected a lower-case letter, then up to 39 lower-case letters, digits or dashes)`}},
		{"unknown top-level field", `produts: {}`,
			[]string{`policies/case.cue:3:1: produts: unknown top-level field "produts" (expected one of environments, tiers, products, roles, release, guardrails)`}},
		{"required field", `tiers: slow: {replicas: 1, storagePools: ["hdd"]}`,
			[]string{`policies/case.cue:3:8: tiers.slow.description: field is required but not present (expected a string)`}},
		{"wrong type", `tiers: slow: {description: "x", replicas: "2", storagePools: ["hdd"]}`,
			[]string{`policies/case.cue:3:43: tiers.slow.replicas: invalid value "2" (expected an integer)`}},
		{"range", `tiers: slow: {description: "x", replicas: 17, storagePools: ["hdd"]}`,
			[]string{`policies/case.cue:3:43: tiers.slow.replicas: invalid value 17 (expected <=16)`}},
		{"enum", `tiers: slow: {description: "x", replicas: 2, storagePools: ["hdd"], drbd: protocol: "D"}`,
			[]string{`policies/case.cue:3:85: tiers.slow.drbd.protocol: invalid value "D" (expected one of "A", "B", "C")`}},
		{"pattern", `products: orders: spikeArrest: "fast"`,
			[]string{`policies/case.cue:3:32: products.orders.spikeArrest: invalid value "fast" (expected a string matching ^[1-9][0-9]{0,8}p[sm]$)`}},
		{"pool name", `tiers: slow: {description: "x", replicas: 2, storagePools: ["p1"]}`,
			[]string{`policies/case.cue:3:61: tiers.slow.storagePools[0]: invalid value "p1" (expected a LINSTOR storage pool name: a letter or _, then 2 to 47 letters, digits, _ or -)`}},
		{"method", `roles: clerk: grants: orders: methods: ["get"]`,
			[]string{`policies/case.cue:3:41: roles.clerk.grants.orders.methods[0]: invalid value "get" (expected an HTTP method: GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS)`}},
		{"empty list", `tiers: slow: {description: "x", replicas: 2, storagePools: []}`,
			[]string{`policies/case.cue:3:46: tiers.slow.storagePools: empty list (expected at least one element)`}},
		{"field not allowed", `tiers: fast: placeCount: 3`,
			[]string{`policies/case.cue:3:14: tiers.fast.placeCount: field not allowed (expected one of description, replicas, storagePools, disklessPools, providers, layers, replicasOnSame, replicasOnDifferent, notPlaceWith, disklessOnRemaining, drbd, encrypted, volumes, properties, backup)`}},
		{"conflict across files", `products: orders: basePath: "/other"`,
			[]string{`policies/base.cue:18:16: products.orders.basePath: conflicting values "/other" and "/orders"`, "\tpolicies/case.cue:3:29: see also"}},
		{"environment needs targets", `environments: qa: prune: true`,
			[]string{
				`policies/case.cue:3:15: environments.qa.apigee: field is required for an environment that is not a sandbox (expected apigee.environment, the Apigee environment)`,
				`policies/case.cue:3:15: environments.qa.apigee: field is required for an environment that is not a sandbox (expected apigee.organization, the Apigee organization)`,
				`policies/case.cue:3:15: environments.qa.linstor: field is required for an environment that is not a sandbox (expected linstor.controllers, the LINSTOR controller URLs)`,
			}},
		{"unknown product tier", `products: stock: {displayName: "Stock", basePath: "/stock", environments: ["prod"], target: url: "https://s.internal", auth: apiKey: {}, tier: "slow"}`,
			[]string{`policies/case.cue:3:138: products.stock.tier: unknown tier "slow" (expected one of the declared tiers: fast)`}},
		{"unknown role tier", `roles: auditor: {members: claims: groups: ["audit"], grants: orders: scopes: [], tier: "slow"}`,
			[]string{`policies/case.cue:3:82: roles.auditor.tier: unknown tier "slow" (expected one of the declared tiers: fast)`}},
		{"unknown targets tier", `products: orders: targets: slow: url: "https://slow.internal"`,
			[]string{`policies/case.cue:3:28: products.orders.targets.slow: unknown tier "slow" (expected one of the declared tiers: fast)`}},
		{"unknown grant product", `roles: clerk: grants: invoices: scopes: []`,
			[]string{`policies/case.cue:3:23: roles.clerk.grants.invoices: unknown product "invoices" (expected one of the declared products: orders)`}},
		{"unknown product environment", `products: stock: {displayName: "Stock", basePath: "/stock", environments: ["qa"], target: url: "https://s.internal", auth: apiKey: {}, tier: "fast"}`,
			[]string{`policies/case.cue:3:76: products.stock.environments[0]: unknown environment "qa" (expected one of the declared environments: prod, sandbox)`}},
		{"duplicate base path", `products: stock: {displayName: "Stock", basePath: "/orders", environments: ["prod"], target: url: "https://s.internal", auth: apiKey: {}, tier: "fast"}`,
			[]string{`policies/case.cue:3:41: products.stock.basePath: base path /orders is also used by product orders in environment prod (expected a unique base path per environment)`, "\tpolicies/base.cue:18:2: see also"}},
		{"role quota above product", `roles: clerk: grants: orders: quota: {limit: 2, per: "second"}`,
			[]string{`policies/case.cue:3:31: roles.clerk.grants.orders.quota: quota 2/second is above the quota of product orders, 100/minute (expected at most the product's)`}},
		{"grant method outside operations", `roles: clerk: grants: orders: methods: ["GET", "DELETE"]`,
			[]string{`policies/case.cue:3:48: roles.clerk.grants.orders.methods[1]: method DELETE is not among product orders's operations (expected one of GET, POST)`}},
		{"two auth methods", `products: orders: auth: oauth2: {}`,
			[]string{`policies/case.cue:3:25: products.orders.auth: apiKey and oauth2 given (expected exactly one of oidc, apiKey, oauth2)`}},
		{"no backend", `products: stock: {displayName: "Stock", basePath: "/stock", environments: ["prod"], auth: apiKey: {}, tier: "fast"}`,
			[]string{`policies/case.cue:3:11: products.stock: no backend for the product's tier "fast" (expected target, or targets.fast)`}},
		{"target url and server", `products: orders: target: server: "orders-ts"`,
			[]string{`policies/case.cue:3:27: products.orders.target: expected exactly one of url or server`}},
		{"duplicate operation", `products: stock: {displayName: "Stock", basePath: "/stock", environments: ["prod"], target: url: "https://s.internal", auth: apiKey: {}, tier: "fast",
	operations: [{path: "/stock", methods: ["GET", "POST"]}, {path: "/stock", methods: ["GET"]}]}`,
			[]string{`policies/case.cue:4:86: products.stock.operations[1].methods[0]: operation GET /stock is declared twice (expected each path and method once)`}},
		{"header set and removed", `products: orders: headers: request: {set: "X-A": "1", remove: ["x-a"]}`,
			[]string{`policies/case.cue:3:64: products.orders.headers.request.remove[0]: header x-a is both set and removed (expected one or the other)`}},
		{"layers end with storage", `tiers: fast: layers: ["STORAGE", "DRBD"]`,
			[]string{`policies/case.cue:3:14: tiers.fast.layers: layer stack [STORAGE DRBD] does not end with STORAGE (expected STORAGE as the last layer)`}},
		{"layer twice", `tiers: fast: layers: ["DRBD", "DRBD", "STORAGE"]`,
			[]string{`policies/case.cue:3:31: tiers.fast.layers[1]: layer DRBD appears twice (expected each layer once)`}},
		{"spreading one replica", `tiers: one: {description: "x", replicas: 1, storagePools: ["pool1"], replicasOnDifferent: ["Aux/zone"]}`,
			[]string{`policies/case.cue:3:32: tiers.one.replicas: 1 replica cannot be spread over different Aux/zone (expected replicas of at least 2)`}},
		{"release without approvers", `release: approvers: {}`,
			[]string{`policies/case.cue:3:10: release.approvers: no approvers (expected at least one of teams or users)`}},
		{"release unknown environment", `release: {approvers: users: ["alice"], environments: ["qa"]}`,
			[]string{`policies/case.cue:3:55: release.environments[0]: unknown environment "qa" (expected one of the declared environments: prod, sandbox)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := loadCase(t, c.src)
			if err == nil {
				t.Fatal("Load accepted the case; want an error")
			}
			got := printed(err)
			if c.want == nil {
				t.Logf("got:\n%s", got)
				t.Fatal("case has no expectation")
			}
			if want := strings.Join(c.want, "\n"); got != want {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, want)
			}
			files, _ := readFiles(caseFS(c.src), "policies")
			if _, ok := loadFast("policies", files); ok {
				t.Error("the fast path accepted what the checked path refuses")
			}
		})
	}
}

// printed renders errors as the CLI does, related positions included.
func printed(err error) string {
	var lines []string
	for _, e := range err.(Errors) {
		lines = append(lines, e.Error())
		for _, r := range e.Related {
			lines = append(lines, "\t"+r.String()+": see also")
		}
	}
	return strings.Join(lines, "\n")
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load(os.DirFS(".."), "policies")
	if err != nil {
		t.Fatalf("example policies: %v", err)
	}
	if len(cfg.Tiers) < 3 || len(cfg.Products) < 5 || len(cfg.Roles) < 6 {
		t.Errorf("example has %d tiers, %d products, %d roles; want at least 3, 5, 6", len(cfg.Tiers), len(cfg.Products), len(cfg.Roles))
	}
	for _, env := range []string{"sandbox", "staging", "prod"} {
		if _, ok := cfg.Environments[env]; !ok {
			t.Errorf("example lacks environment %s", env)
		}
	}
}

// TestLoadReportsWhatNoEntryHolds: a conflict in a hidden field or a
// definition of a section (products._x, roles.#r) lies in no entry and is
// no top-level field, so neither the per-entry checks nor the outside
// ones report it; the loader's last resort, the built value's own error,
// must, or the policies would load as valid.
func TestLoadReportsWhatNoEntryHolds(t *testing.T) {
	for src, want := range map[string]string{
		"products: _x: 1 & 2\n":   "policies/case.cue:3:15: products._x: conflicting values 2 and 1\n\tpolicies/case.cue:3:19: see also",
		"roles: #r: {a: 1 & 2}\n": "policies/case.cue:3:16: roles.#r.a: conflicting values 2 and 1\n\tpolicies/case.cue:3:20: see also",
	} {
		err := loadCase(t, src)
		if err == nil {
			t.Errorf("%q: loaded as valid, want %q", src, want)
		} else if got := printed(err); got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}
