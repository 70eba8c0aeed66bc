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
		{"plain http allowed explicitly", ledger(`{allowHTTP: true, linstor: controllers: ["http://linstor:3370"]}`, `target: url: "http://ledger.internal"`), nil},
		{"plain http in a sandbox only", `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["sandbox"], tier: "fast", auth: apiKey: {}, target: url: "http://ledger.internal"}
`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadExtra(t, map[string]string{"case.cue": policy(c.src)})
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want errors %q, got none", c.want)
			}
			got := err.Error()
			if strings.Contains(got, "s3cret") {
				t.Errorf("an error shows the password:\n%s", got)
			}
			lines := strings.Split(got, "\n")
			if len(lines) != len(c.want) {
				t.Errorf("%d errors, want %d:\n%s", len(lines), len(c.want), got)
			}
			for i, w := range c.want {
				if i < len(lines) && !strings.Contains(lines[i], w) {
					t.Errorf("error %d:\n%s\nwant it to hold\n%s", i, lines[i], w)
				}
			}
		})
	}
}
