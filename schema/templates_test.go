package schema

import "testing"

func TestTemplatesAreRefusedWhereApigeeExpandsThem(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"braces in every templated value", `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["sandbox"], tier: "fast", target: url: "https://l/{request.header.host}"
	auth: oidc: {issuer: "https://idp", audience: "{private.aud}"}
	cors: origins: ["https://{request.header.origin}"]
	headers: request: set: "X-Echo": "{request.header.authorization}"
	headers: response: set: "X-Key": "k={private.key}"
}`, []string{
			`products.ledger.target.url: URL "https://l/{request.header.host}" holds a brace`,
			`products.ledger.auth.oidc.audience: audience "{private.aud}" holds a brace, which Apigee reads as a message template variable (expected the audience written out)`,
			`products.ledger.cors.origins[0]: origin "https://{request.header.origin}" holds a brace`,
			`products.ledger.headers.request.set."X-Echo": header value "{request.header.authorization}" holds a brace, which Apigee reads as a message template variable (expected plain text; to send a flow variable, use fromVariable: {"X-Echo": "variable.name"})`,
			`products.ledger.headers.response.set."X-Key": header value "k={private.key}" holds a brace`,
		}},
		{"a variable only explicitly, never a secret", `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["sandbox"], tier: "fast", target: url: "https://l", auth: apiKey: {}
	headers: request: fromVariable: {"X-Client": "client_id", "X-Key": "private.backend.key"}
	headers: response: fromVariable: {"X-S": "verifyapikey.VA-Verify.client_secret", "X-Set": "a"}
	headers: response: set: "x-set": "b"
	headers: response: remove: ["X-Client"]
}`, []string{
			`products.ledger.headers.request.fromVariable."X-Key": variable private.backend.key holds a secret`,
			`products.ledger.headers.response.fromVariable."X-S": variable verifyapikey.VA-Verify.client_secret holds a secret`,
			`products.ledger.headers.response.fromVariable."X-Set": header X-Set is set both to a literal and from a variable`,
		}},
		{"an explicit variable", `
products: ledger: {displayName: "L", basePath: "/ledger", environments: ["sandbox"], tier: "fast", target: url: "https://l", auth: apiKey: {}
	headers: request: fromVariable: "X-Client": "client_id"
}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLoad(t, c.src, c.want) })
	}
}
