package apigee

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	sim "github.com/lingate/lingate/internal/simulate"
)

// This file runs compiled proxies on lingate's request simulator
// (internal/simulate), which reads the bundle as Apigee would and
// evaluates the conditions and policies the compiler writes. It checks the
// role semantics end to end: union of methods and scopes, largest quota,
// first tier by name, 403 and 404.

// outcome is what a simulated request came to.
type outcome struct {
	status  int               // 0 when the request reached a target
	target  string            // the TargetEndpoint the route rules chose
	headers map[string]string // headers set on the request
	quotas  []string          // quota policies run, as "name count/unit key"
}

// simulate runs a request to path (below the base path) through a
// compiled bundle. vars are the variables the auth policy would set (the
// caller's groups and identity).
func simulate(t *testing.T, files map[string][]byte, verb, path string, vars map[string]string) outcome {
	t.Helper()
	var list []artifact.File
	for _, name := range slices.Sorted(maps.Keys(files)) {
		list = append(list, artifact.File{Path: name, Data: files[name]})
	}
	proxy, err := sim.Load("test", list)
	if err != nil {
		t.Fatal(err)
	}
	if vars == nil {
		vars = map[string]string{}
	}
	res := proxy.Run(sim.Request{Method: verb, Path: strings.TrimSuffix(proxy.BasePath, "/") + path, Vars: vars})
	out := outcome{status: res.Status, target: res.TargetEndpoint, headers: res.Headers}
	if res.Reached {
		out.status = 0
	}
	for _, q := range res.Quotas {
		out.quotas = append(out.quotas, q.String())
	}
	return out
}

// TestRoleSemantics runs requests through the rich Config's payments
// proxy as callers in various roles.
func TestRoleSemantics(t *testing.T) {
	files, _ := mustBundle(t, richConfig(), "prod", "payments")
	caller := func(groups string) map[string]string {
		return map[string]string{
			"jwt.JWT-Verify.decoded.claim.groups": groups,
			"jwt.JWT-Verify.claim.subject":        "alice",
		}
	}
	product := "Q-Product 1000/minute alice"
	tests := []struct {
		name, groups, verb, path string
		status                   int
		tier, target             string
		quotas                   []string
	}{
		{"reader reads", `["support"]`, "GET", "/charges", 0, "standard", "default",
			[]string{product, "Q-Role 100/minute payments-reader:alice"}},
		{"reader may not write", `["support"]`, "POST", "/charges", 403, "", "", nil},
		{"no role", `["marketing"]`, "GET", "/charges", 403, "", "", nil},
		{"a group is matched whole", `["payments-eng-ro","support-x"]`, "GET", "/charges", 403, "", "", nil},
		{"reader and writer: union of methods, largest quota, first tier by name", `["payments-eng","support"]`, "POST", "/charges", 0, "standard", "default",
			[]string{product, "Q-Role 600/minute payments-writer:alice"}},
		{"equal quotas: first role by name; per second counted per minute", `["payments-eng","bulk-import"]`, "POST", "/refunds/1/items", 0, "archive", "tier-archive",
			[]string{product, "Q-Role 600/minute bulk:alice"}},
		{"a role without quota lifts the role quota", `["support","payments-admins"]`, "DELETE", "/charges/42", 0, "archive", "tier-archive",
			[]string{product}},
		{"bulk lacks GET", `["bulk-import"]`, "GET", "/charges/42", 403, "", "", nil},
		{"reader lacks the scopes of /refunds", `["support"]`, "POST", "/refunds/1", 403, "", "", nil},
		{"no methods granted means all of the product's", `["payments-eng"]`, "DELETE", "/charges/42", 0, "fast", "tier-fast",
			[]string{product, "Q-Role 600/minute payments-writer:alice"}},
		{"undeclared operation", `["payments-eng"]`, "GET", "/other", 404, "", "", nil},
		{"unicode, escaped or not", `["finance.analysts", "\u00dcn\u00efcode\/Group"]`, "GET", "/charges/export", 0, "standard", "default",
			[]string{product, "Q-Role 100/minute payments-reader:alice"}},
		{"a JWT string claim is one group, commas and all", `finance.analysts, Ünïcode/Group`, "GET", "/charges/export", 403, "", "", nil},
		{"a distinguished name is one group", `["CN=payments,OU=eng,DC=acme"]`, "POST", "/charges", 0, "fast", "tier-fast",
			[]string{product, "Q-Role 600/minute payments-writer:alice"}},
		{"a distinguished name holding a role's group is another group", `["CN=x,support,DC=acme","CN=payments,OU=eng"]`, "GET", "/charges", 403, "", "", nil},
		{"quotes and brackets inside an item", `["a\",\"support\"]","[\"support\"]"]`, "GET", "/charges", 403, "", "", nil},
		{"malformed JSON grants nothing", `["support",]`, "GET", "/charges", 403, "", "", nil},
		{"a dot is no wildcard", `["financeXanalysts"]`, "GET", "/charges", 403, "", "", nil},
		{"group with a space, as one JSON string", `"checkout svc"`, "GET", "/charges", 0, "fast", "tier-fast",
			[]string{product, "Q-Role 600/minute payments-writer:alice"}},
		{"a group whose name holds a role's group after a comma is another group", `["Finance, support"]`, "GET", "/charges", 403, "", "", nil},
		{"nor before a comma", `["support, Finance","marketing"]`, "GET", "/charges", 403, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := simulate(t, files, tt.verb, tt.path, caller(tt.groups))
			if got.status != tt.status {
				t.Fatalf("status %d, want %d (%+v)", got.status, tt.status, got)
			}
			if tt.status != 0 {
				return
			}
			if got.headers[storageTierTitle] != tt.tier || got.headers[resourceGroupTitle] != "prod-"+tt.tier {
				t.Errorf("tier headers %v, want tier %s in prod-%s", got.headers, tt.tier, tt.tier)
			}
			if got.target != tt.target {
				t.Errorf("target %s, want %s", got.target, tt.target)
			}
			if strings.Join(got.quotas, "; ") != strings.Join(tt.quotas, "; ") {
				t.Errorf("quotas %q, want %q", got.quotas, tt.quotas)
			}
		})
	}
}

// TestMethodChecksWithoutOperations runs the reports proxy (no
// operations; its one role may only GET).
func TestMethodChecksWithoutOperations(t *testing.T) {
	files, _ := mustBundle(t, richConfig(), "prod", "reports")
	reader := map[string]string{"app.groups": "support", "client_id": "app-1"}
	for verb, want := range map[string]int{"GET": 0, "POST": 403, "DELETE": 403, "PROPFIND": 403} {
		if got := simulate(t, files, verb, "/anything", reader); got.status != want {
			t.Errorf("%s: status %d, want %d", verb, got.status, want)
		}
	}
	if got := simulate(t, files, "GET", "/x", reader); got.target != "tier-archive" || got.headers[storageTierTitle] != "standard" {
		t.Errorf("reader placed on %v via %s; want standard headers, and the only target, tier-archive", got.headers, got.target)
	}
}
