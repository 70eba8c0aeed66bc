package schema

import (
	"strings"
	"testing"
	"testing/fstest"
)

// loadExtra loads base plus the given files, named under policies/.
func loadExtra(t *testing.T, extra map[string]string) (*Config, error) {
	t.Helper()
	return Load(extraFS(extra), "policies")
}

func extraFS(extra map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{"policies/base.cue": {Data: []byte(base)}}
	for name, src := range extra {
		fsys["policies/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	return fsys
}

// policy prefixes a case's source with the package clause.
func policy(src string) string { return "package policies\n\n" + src }

// TestAdversarialErrors checks what CUE users write by mistake: every
// problem is reported, each at the user's own line, saying what was expected.
func TestAdversarialErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"a conflict between files hides no other error", map[string]string{"case.cue": policy(`products: orders: basePath: "/other"
tiers: slow: {description: "x", replicas: 17, storagePools: ["hdd"]}
roles: x: tier: "fast"
`)}, []string{
			`policies/base.cue:18:16: products.orders.basePath: conflicting values "/other" and "/orders"`,
			"\tpolicies/case.cue:3:29: see also",
			`policies/case.cue:4:43: tiers.slow.replicas: invalid value 17 (expected <=16)`,
			`policies/case.cue:5:8: roles.x.grants: field is required but not present (expected a struct)`,
			`policies/case.cue:5:8: roles.x.members: field is required but not present (expected a struct)`,
		}},
		{"conflicts in two entries", map[string]string{"case.cue": policy(`products: orders: basePath: "/other"
tiers: fast: replicas: 2
`)}, []string{
			`policies/base.cue:12:16: tiers.fast.replicas: conflicting values 2 and 3`,
			"\tpolicies/case.cue:4:24: see also",
			`policies/base.cue:18:16: products.orders.basePath: conflicting values "/other" and "/orders"`,
			"\tpolicies/case.cue:3:29: see also",
		}},
		{"three files disagree", map[string]string{
			"a/one.cue":     policy("tiers: fast: replicas: 4\n"),
			"a/b/c/two.cue": policy("tiers: fast: replicas: 5\n"),
		}, []string{
			`policies/a/b/c/two.cue:3:24: tiers.fast.replicas: conflicting values 3 and 5`,
			"\tpolicies/base.cue:12:16: see also",
			`policies/a/b/c/two.cue:3:24: tiers.fast.replicas: conflicting values 4 and 5`,
			"\tpolicies/a/one.cue:3:24: see also",
		}},
		{"errors in hidden fields and definitions", map[string]string{"case.cue": policy(`_x: 1 & 2
#d: {a: 1} & {a: 2}
_a: {b: _a}
`)}, []string{
			`policies/case.cue:3:5: _x: conflicting values 2 and 1`,
			"\tpolicies/case.cue:3:9: see also",
			`policies/case.cue:4:9: #d.a: conflicting values 2 and 1`,
			"\tpolicies/case.cue:4:18: see also",
			`policies/case.cue:5:6: _a.b: structural cycle: the value contains itself (expected a value that does not refer to an enclosing field)`,
		}},
		{"a section that is not a struct", map[string]string{"case.cue": policy("tiers: 3\n")}, []string{
			`policies/base.cue:10:8: tiers: conflicting values a struct and 3 (mismatched types struct and int)`,
			"\tpolicies/case.cue:3:8: see also",
		}},
		{"the schema's definitions cannot be redefined", map[string]string{"case.cue": policy(`#Product: {...}
products: orders: basPath: "/typo"
if true {
	#Tier: extra?: int
}
`)}, []string{
			`policies/case.cue:3:1: #Product: #Product is the schema's definition and cannot be redefined (expected another name, such as #myProduct; a policy may use #Product, as in #Product & {...})`,
			`policies/case.cue:6:2: #Tier: #Tier is the schema's definition and cannot be redefined (expected another name, such as #myTier; a policy may use #Tier, as in #Tier & {...})`,
		}},
		{"imports outside the standard library", map[string]string{"case.cue": policy(`import (
	"strings"
	"example.com/lib"
)

tiers: fast: description: strings.ToUpper(lib.Name)
`)}, []string{
			`policies/case.cue:5:2: import "example.com/lib": only CUE's standard library may be imported (expected a path such as "strings"; the schema's definitions, such as #Tier, are in scope without an import)`,
		}},
		{"a closed definition of the user's, unified with &", map[string]string{"case.cue": policy(`#base: {
	environments: ["prod"]
	auth: apiKey: {}
	tier: "fast"
	target: url: "https://x.internal"
}
products: stock: #base & {displayName: "Stock", basePath: "/stock"}
products: items: {#base, displayName: "Items", basePath: "/items", replicas: 3}
`)}, []string{
			`policies/case.cue:9:27: products.stock.displayName: field not allowed by a closed definition of the policies that does not declare displayName (expected it declared there, or the definition embedded, as in {#def, displayName: ...}, rather than #def & {...})`,
			`policies/case.cue:9:49: products.stock.basePath: field not allowed by a closed definition of the policies that does not declare basePath (expected it declared there, or the definition embedded, as in {#def, basePath: ...}, rather than #def & {...})`,
			`policies/case.cue:10:68: products.items.replicas: field not allowed (expected one of displayName, description, basePath, environments, target, targets, auth, quota, spikeArrest, cors, operations, headers, tier, approval, attributes, placement)`,
		}},
		{"keys outside a pattern", map[string]string{"case.cue": policy(`products: orders: headers: request: set: {"X A": "1"}
products: orders: attributes: {"bad key!": "v"}
`)}, []string{
			`policies/case.cue:3:43: products.orders.headers.request.set."X A": invalid key "X A" (expected a key matching ^[A-Za-z0-9-]+$)`,
			`policies/case.cue:4:32: products.orders.attributes."bad key!": invalid key "bad key!" (expected a key matching ^[A-Za-z0-9_.-]{1,64}$)`,
		}},
		{"types against constraints", map[string]string{"case.cue": policy(`products: orders: target: server: 3
products: orders: operations: [{path: "/orders", methods: ["GET", "POST"], scopes: "orders.read"}]
roles: clerk: grants: orders: scopes: "orders.read"
products: stock: {displayName: "", basePath: "/stock", environments: ["prod"], target: url: "https://s.internal", auth: oidc: {issuer: "https://idp.example.com", audience: ""}, tier: "fast"}
`)}, []string{
			`policies/base.cue:28:26: roles.clerk.grants.orders.scopes: conflicting values ["orders.read"] and "orders.read" (mismatched types list and string)`,
			"\tpolicies/case.cue:5:39: see also",
			`policies/case.cue:3:35: products.orders.target.server: invalid value 3 (expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$)`,
			`policies/case.cue:4:84: products.orders.operations[0].scopes: invalid value "orders.read" (expected a list)`,
			`policies/case.cue:6:32: products.stock.displayName: invalid value "" (expected a non-empty string)`,
			`policies/case.cue:6:173: products.stock.auth.oidc.audience: invalid value "" (expected a non-empty string)`,
		}},
		{"integers beyond 64 bits", map[string]string{"case.cue": policy(`products: stock: {displayName: "Stock", basePath: "/stock", environments: ["prod"], target: url: "https://s.internal", auth: apiKey: {}, tier: "fast",
	quota: {limit: 99999999999999999999999, per: "second"}}
release: {approvers: users: ["alice"], minApprovals: 99999999999999999999}
`)}, []string{
			`policies/case.cue:4:10: products.stock.quota.limit: invalid value 99999999999999999999999 (expected a whole number from -9223372036854775808 to 9223372036854775807)`,
			`policies/case.cue:5:40: release.minApprovals: invalid value 99999999999999999999 (expected a whole number from -9223372036854775808 to 9223372036854775807)`,
		}},
		{"an unknown field holding a list, beside another error", map[string]string{"case.cue": policy(`products: x: {basePath: "r/oders", nvironments: ["prod"]}
`)}, []string{
			`policies/case.cue:3:25: products.x.basePath: invalid value "r/oders" (expected a string matching ^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$)`,
			`policies/case.cue:3:50: products.x.nvironments: field not allowed (expected one of displayName, description, basePath, environments, target, targets, auth, quota, spikeArrest, cors, operations, headers, tier, approval, attributes, placement)`,
		}},
		{"file attributes", map[string]string{
			"staging.cue": "@if(staging)\n\npackage policies\n\ntiers: fast: replicas: 2\n",
			"embed.cue":   "@extern(embed)\npackage policies\n\n_x: _ @embed(file=x.json)\n",
			"off.cue":     "@ignore()\npackage other\n\ntiers: fast: replicas: 9\n",
		}, []string{
			`policies/embed.cue:1:1: file attribute @extern(embed) is not supported (expected policies written in CUE: lingate embeds no other files)`,
			`policies/staging.cue:1:1: build attribute @if(staging): lingate sets no build tags, so the file would never be included (expected no @if; put what differs per environment in the policies themselves)`,
		}},
		{"missing required fields deep inside, with what was expected", map[string]string{"case.cue": policy(`products: p3: {displayName: "P3", environments: ["prod"], target: url: "https://p3.internal", tier: "fast",
	auth: oidc: audience: "x"
	quota: limit: 10
	operations: [{methods: ["GET"]}]
}
`)}, []string{
			`policies/case.cue:3:11: products.p3.basePath: field is required but not present (expected a string matching ^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$)`,
			`policies/case.cue:4:8: products.p3.auth.oidc.issuer: field is required but not present (expected a string matching ^https?://[^\s/?#]+([/?#][^\s]*)?$)`,
			`policies/case.cue:5:2: products.p3.quota.per: field is required but not present (expected one of "second", "minute", "hour", "day", "month")`,
			`policies/case.cue:6:15: products.p3.operations[0].path: field is required but not present (expected a string matching ^/[^\s]*$)`,
		}},
		{"a structural cycle in an entry", map[string]string{"case.cue": policy(`tiers: t2: {description: "x", replicas: 2, storagePools: ["pool1"], volumes: [tiers.t2]}
`)}, []string{
			`policies/case.cue:3:79: tiers.t2.volumes[0]: structural cycle: the value contains itself (expected a value that does not refer to an enclosing field)`,
		}},
		{"a field that depends on itself", map[string]string{"case.cue": policy(`tiers: t3: {description: "x", replicas: tiers.t3.replicas + 1, storagePools: ["pool1"]}
`)}, []string{
			`policies/case.cue:3:41: tiers.t3.replicas: cycle with field: tiers.t3.replicas (expected a value that does not depend on itself)`,
		}},
		{"literal bottom", map[string]string{"case.cue": policy(`tiers: slow: {description: "x", replicas: _|_, storagePools: ["hdd"]}
`)}, []string{
			`policies/case.cue:3:43: tiers.slow: explicit error (_|_ literal) in source`,
		}},
		{"a conflict is not also blamed on the schema's alternatives", map[string]string{"case.cue": policy(`products: orders: quota: per: "week"
`)}, []string{
			`policies/base.cue:22:27: products.orders.quota.per: conflicting values "week" and "minute"`,
			"\tpolicies/case.cue:3:31: see also",
		}},
		{"deep folder, CRLF and a byte order mark", map[string]string{
			"a/b/c/d/crlf.cue": "package policies\r\n\r\ntiers: slow: {\r\n\tdescription: \"x\"\r\n\treplicas: 20\r\n\tstoragePools: [\"hdd\"]\r\n}\r\n",
			"bom.cue":          "\ufeffpackage policies\n\ntiers: bom: {description: \"x\", replicas: 30, storagePools: [\"hdd\"]}\n",
		}, []string{
			`policies/a/b/c/d/crlf.cue:5:12: tiers.slow.replicas: invalid value 20 (expected <=16)`,
			`policies/bom.cue:3:42: tiers.bom.replicas: invalid value 30 (expected <=16)`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadExtra(t, c.files)
			if err == nil {
				t.Fatal("Load accepted the case; want an error")
			}
			got := printed(err)
			if c.want == nil {
				t.Fatalf("case has no expectation; got:\n%s", got)
			}
			if want := strings.Join(c.want, "\n"); got != want {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, want)
			}
			files, _ := readFiles(extraFS(c.files), "policies")
			if _, ok := loadFast("policies", files); ok {
				t.Error("the fast path accepted what the checked path refuses")
			}
		})
	}
}

// idioms is valid CUE the way its users write it: comprehensions, let,
// embedding of their own definitions, the schema's definitions, the
// standard library, interpolation and defaults of their own.
const idioms = `import (
	"list"
	"strings"
)

_services: [{name: "stock", limit: 50}, {name: "items", limit: 20}]

#svc: {
	environments: ["prod"]
	auth: apiKey: {}
	tier: *"fast" | string
	approval: *"manual" | "auto"
}

for s in _services {
	let path = "/\(s.name)"
	products: (s.name): {
		#svc
		displayName: strings.ToUpper(s.name)
		basePath:    path
		target: url: "https://\(s.name).internal"
		quota: #Quota & {limit: s.limit, per: "minute"}
	}
}

tiers: slow: #Tier & {
	description:  "HDD, ünïcödé"
	replicas:     *2 | int
	storagePools: list.Sort(["hdd-b", "hdd-a"], list.Ascending)
	drbd: quorum: *2 | "off"
	encrypted: *true | bool
}
`

// TestAdversarialValid checks that idiomatic CUE decodes to the Config
// policies.md describes.
func TestAdversarialValid(t *testing.T) {
	cfg, err := loadExtra(t, map[string]string{
		"idioms.cue":         policy(idioms),
		"comments/only.cue":  "// a file of comments\npackage policies\n// nothing else\n",
		"crlf/bom/tiers.cue": "\ufeffpackage policies\r\n\r\ntiers: slow: disklessOnRemaining: false\r\n",
	})
	if err != nil {
		t.Fatalf("idiomatic policies refused:\n%s", printed(err))
	}
	stock := cfg.Products["stock"]
	if stock == nil || stock.DisplayName != "STOCK" || stock.BasePath != "/stock" || stock.Tier != "fast" ||
		stock.Approval != "manual" || stock.Quota.String() != "50/minute" || stock.Target.URL != "https://stock.internal" || stock.Auth.Claim() != "groups" {
		t.Errorf("products.stock decoded as %+v", stock)
	}
	slow := cfg.Tiers["slow"]
	if slow == nil || slow.Replicas != 2 || slow.DRBD.Quorum != "2" || slow.DRBD.Protocol != "C" || !slow.Encrypted ||
		strings.Join(slow.StoragePools, ",") != "hdd-a,hdd-b" || slow.DisklessOnRemaining == nil || *slow.DisklessOnRemaining ||
		strings.Join(slow.Layers, ",") != "DRBD,STORAGE" || len(slow.Volumes) != 1 {
		t.Errorf("tiers.slow decoded as %+v", slow)
	}
}

// TestPositionsAfterFastLoad checks that a Config loaded in one evaluation,
// with the schema bound to every section, still points compilers at the
// user's own lines, never at the embedded schema or its bindings.
func TestPositionsAfterFastLoad(t *testing.T) {
	files, errs := readFiles(extraFS(nil), "policies")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	cfg, ok := loadFast("policies", files)
	if !ok {
		t.Fatal("the fast path refused the base")
	}
	for path, want := range map[string]string{
		"tiers.fast":                                    "policies/base.cue:10:8",
		"tiers.fast.replicas":                           "policies/base.cue:12:16",
		"tiers.fast.drbd.protocol":                      "policies/base.cue:10:8",
		"products.orders":                               "policies/base.cue:16:11",
		"roles.clerk.grants.orders":                     "policies/base.cue:28:10",
		"environments.sandbox":                          "policies/base.cue:4:2",
		`environments.prod.linstor.resourceGroupPrefix`: "policies/base.cue:7:3",
	} {
		if got := cfg.Pos(path).String(); got != want {
			t.Errorf("Pos(%s) = %s, want %s", path, got, want)
		}
	}
}
