package schema

import (
	"strings"
	"testing"
)

// TestPlacementRules: each placement mistake is reported at the line the
// user wrote it, saying what was expected.
func TestPlacementRules(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"two key sources",
			"environments: {sandbox: placement: url: \"http://127.0.0.1:9\", prod: placement: url: \"https://place.internal\"}\n" +
				`products: orders: placement: key: {header: "X-Account", pathSegment: 0}`,
			`policies/case.cue:4:30: products.orders.placement.key: 2 key sources given (expected exactly one of header, claim, pathSegment)`},
		{"claim without a JWT",
			"environments: {sandbox: placement: url: \"http://127.0.0.1:9\", prod: placement: url: \"https://place.internal\"}\n" +
				`products: orders: placement: key: claim: "sub"`,
			`policies/case.cue:4:35: products.orders.placement.key.claim: a claim needs a verified JWT (expected auth.oidc, or a header or pathSegment key)`},
		{"no service in an environment",
			"environments: sandbox: placement: url: \"http://127.0.0.1:9\"\n" +
				`products: orders: placement: key: header: "X-Account"`,
			`policies/base.cue:19:28: products.orders.environments[1]: environment prod has no placement service (expected environments.prod.placement.url, as the product sets placement)`},
		{"bad timeout",
			`environments: prod: placement: {url: "https://place.internal", timeout: "2s"}`,
			`policies/case.cue:3:73: environments.prod.placement.timeout: invalid value "2s" (expected a string matching ^[1-9][0-9]{0,4}ms$)`},
		{"bad onFailure",
			`environments: prod: placement: {url: "https://place.internal", onFailure: "retry"}`,
			`policies/case.cue:3:75: environments.prod.placement.onFailure: invalid value "retry" (expected one of "default-target", "fail-closed")`},
		{"node backend without placement",
			`products: orders: target: nodes: "node-a": url: "https://a.orders.internal"`,
			`policies/case.cue:3:34: products.orders.target.nodes."node-a": per-node backend without placement (expected placement.key set on the product, so calls are placed on a node)`},
		{"node backend with url and server",
			"environments: {sandbox: placement: url: \"http://127.0.0.1:9\", prod: placement: url: \"https://place.internal\"}\n" +
				`products: orders: {placement: key: header: "X-Account", target: nodes: "node-a": {url: "https://a.internal", server: "a"}}`,
			`products.orders.target.nodes."node-a": expected exactly one of url or server`},
		{"plain http outside a sandbox",
			`environments: prod: placement: url: "http://place.internal"`,
			`environments.prod.placement.url`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := loadCase(t, c.src)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if got := printed(err); !strings.Contains(got, c.want) {
				t.Fatalf("errors:\n%s\nwant among them:\n%s", got, c.want)
			}
		})
	}
}

// TestPlacementDefaults: a valid placement loads with its defaults.
func TestPlacementDefaults(t *testing.T) {
	src := "environments: {sandbox: placement: url: \"http://127.0.0.1:9\", prod: placement: {url: \"https://place.internal\", cacheTTL: \"5s\"}}\n" +
		`products: orders: placement: key: pathSegment: 1`
	cfg, err := Load(caseFS(src), "policies")
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Environments["prod"].Placement
	if s.Timeout != "500ms" || s.TimeoutMillis() != 500 || s.CacheSeconds() != 5 || s.OnFailure != "fail-closed" {
		t.Fatalf("prod placement %+v", s)
	}
	k := cfg.Products["orders"].Placement.Key
	if k.Kind() != "pathSegment" || *k.PathSegment != 1 {
		t.Fatalf("key %+v", k)
	}
}
