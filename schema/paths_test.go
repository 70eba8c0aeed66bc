package schema

import (
	"strings"
	"testing"
)

func TestPathsHaveOneSpelling(t *testing.T) {
	product := func(basePath, opPath string) string {
		return `products: ledger: {displayName: "L", basePath: "` + basePath + `", environments: ["sandbox"], tier: "fast", auth: apiKey: {}, target: url: "https://l"
	operations: [{path: "` + opPath + `", methods: ["GET"]}]}` + "\n"
	}
	cases := []struct {
		name, src string
		want      []string
	}{
		{"dot segments", product("/billing/./v1", "/a/../admin"), []string{
			`products.ledger.basePath: base path /billing/./v1 holds the dot segment "." (expected a path written out plainly`,
			`products.ledger.operations[0].path: path /a/../admin holds the dot segment ".."`,
		}},
		{"percent-encoding", product("/billing/%76%31", "/a/%2e%2e/b"), []string{
			`products.ledger.basePath: base path /billing/%76%31 holds percent-encoding`,
			`products.ledger.operations[0].path: path /a/%2e%2e/b holds percent-encoding`,
		}},
		{"empty segments, queries and fragments", product("/..", "/a//b?x=1"), []string{
			`products.ledger.basePath: base path /.. holds the dot segment ".."`,
			`products.ledger.operations[0].path: path /a//b?x=1 holds a query or fragment`,
		}},
		{"another case is another base path, as Apigee matches it", product("/Orders", "/a/{id}"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkLoad(t, c.src, c.want)
		})
	}
}

func TestBasePathsAreUniquePerApigeeEnvironment(t *testing.T) {
	twin := `environments: twin: {apigee: {organization: "acme", environment: "prod"}, linstor: controllers: ["https://other:3371"]}
`
	cases := []struct {
		name, src string
		want      []string
	}{
		{"two environments, one Apigee environment", twin + `products: ledger: {displayName: "L", basePath: "/orders", environments: ["twin"], tier: "fast", auth: apiKey: {}, target: url: "https://l"}`, []string{
			`policies/base.cue:18:2: products.orders.basePath: base path /orders is also used by product ledger in environment twin, and environments twin and prod are both Apigee environment acme/prod (expected a unique base path per Apigee environment)`,
			"\tpolicies/case.cue:4:38: see also",
		}},
		{"one product deployed twice there", twin + `products: ledger: {displayName: "L", basePath: "/ledger", environments: ["prod", "twin"], tier: "fast", auth: apiKey: {}, target: url: "https://l"}`, []string{
			`products.ledger.environments: environments prod and twin are both Apigee environment acme/prod: product ledger would be deployed there twice`,
		}},
		{"sandboxes are apart", `environments: box2: sandbox: true
products: ledger: {displayName: "L", basePath: "/orders", environments: ["box2"], tier: "fast", auth: apiKey: {}, target: url: "https://l"}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkLoad(t, c.src, c.want)
		})
	}
}

// checkLoad loads base and src and requires the errors to hold want, in
// order, or none when want is empty; it returns the error.
func checkLoad(t *testing.T, src string, want []string) error {
	t.Helper()
	_, err := loadExtra(t, map[string]string{"case.cue": policy(src)})
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("want valid, got\n%.2000v", err)
		}
		return nil
	}
	if err == nil {
		t.Fatalf("want errors %q, got none", want)
	}
	var lines []string
	for _, e := range err.(Errors) {
		lines = append(lines, e.Error())
		for _, r := range e.Related {
			lines = append(lines, "\t"+r.String()+": see also")
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d lines, want %d:\n%.4000s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if i < len(lines) && !strings.Contains(lines[i], w) {
			t.Errorf("line %d:\n%.2000s\nwant it to hold\n%.2000s", i, lines[i], w)
		}
	}
	return err
}
