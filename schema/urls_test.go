package schema

import (
	"strings"
	"testing"
)

func TestURLRules(t *testing.T) {
	// ledger is a product in environment edge, with the given fields.
	ledger := func(env, fields string) string {
		return `environments: edge: {apigee: {organization: "acme", environment: "edge"}}
environments: edge: ` + env + `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["edge"], tier: "fast", auth: apiKey: {}}
products: ledger: ` + fields + "\n"
	}
	cases := []struct {
		name, src string
		want      []string // substrings of the errors, in order; none for valid
	}{
		{"credentials in a target", ledger(`linstor: controllers: ["https://l:3371"]`, `target: url: "https://deploy:s3cret@ledger.internal"`),
			[]string{`products.ledger.target.url: URL https://deploy:xxxxx@ledger.internal holds credentials`}},
		{"credentials in every URL field", `
environments: edge: {apigee: {organization: "acme", environment: "edge", endpoint: "https://u:s3cret@apigee.example"}, linstor: controllers: ["https://admin:s3cret@linstor:3371"]}
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["edge"], tier: "fast",
	auth: oidc: {issuer: "https://u@idp.example", audience: "a", jwksUri: "https://u:s3cret@idp.example/keys"}
	cors: origins: ["https://u:s3cret@app.example"]
	targets: fast: url: "https://a:s3cret@fast.internal"
}
`, []string{
			`environments.edge.apigee.endpoint: URL https://u:xxxxx@apigee.example holds credentials`,
			`environments.edge.linstor.controllers[0]: URL https://admin:xxxxx@linstor:3371 holds credentials`,
			`products.ledger.auth.oidc.issuer: URL https://u@idp.example holds credentials`,
			`products.ledger.auth.oidc.jwksUri: URL https://u:xxxxx@idp.example/keys holds credentials`,
			`products.ledger.cors.origins[0]: URL https://u:xxxxx@app.example holds credentials`,
			`products.ledger.targets.fast.url: URL https://a:xxxxx@fast.internal holds credentials`,
		}},
		{"plain http outside a sandbox", ledger(`linstor: controllers: ["http://linstor:3370", "linstor://linstor:3370", "linstor+ssl://linstor:3371"]`,
			`target: url: "http://ledger.internal"`), []string{
			`environments.edge.linstor.controllers[0]: URL http://linstor:3370 is plain http in environment edge, which is not a sandbox (expected https, or allowHTTP: true in environment edge)`,
			`environments.edge.linstor.controllers[1]: URL linstor://linstor:3370 is plain linstor`,
			`products.ledger.target.url: URL http://ledger.internal is plain http in environment edge`,
		}},
		{"dot segments in a URL", ledger(`linstor: controllers: ["https://l:3371"]`, `target: url: "https://ledger.internal/api/../admin"`), []string{
			`products.ledger.target.url: URL "https://ledger.internal/api/../admin" holds the dot segment ".."`,
		}},
		{"plain http allowed explicitly", ledger(`{allowHTTP: true, linstor: controllers: ["http://linstor:3370"]}`, `target: url: "http://ledger.internal"`), nil},
		{"plain http in a sandbox only", `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["sandbox"], tier: "fast", auth: apiKey: {}, target: url: "http://ledger.internal"}
`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := checkLoad(t, c.src, c.want); err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("an error shows the password:\n%s", err)
			}
		})
	}
}
