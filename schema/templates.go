package schema

import (
	"strings"
)

// Apigee reads {name} in many policy values as a message template and
// inserts the flow variable name: a header value "{request.header.authorization}"
// would send the caller's credentials on, and "{private.key}" a secret. No
// escape exists, so lingate refuses braces in every value that lands in
// such a place (header values, CORS origins, URLs, the OIDC audience), and
// sets headers from variables only through headers.*.fromVariable, which
// never reads private.* variables or client secrets.

// checkTemplates applies the rules to product p.
func checkTemplates(cfg *Config, p *Product) Errors {
	var errs Errors
	brace := func(at, what, value, expected string) {
		if strings.ContainsAny(value, "{}") {
			errs = append(errs, cfg.Errorf(at, "%s %s holds a brace, which Apigee reads as a message template variable (expected %s)", what, quoteShort(value), expected))
		}
	}
	for _, dir := range []string{"request", "response"} {
		ops := p.Headers.ops(dir)
		for _, name := range Names(ops.Set) {
			brace(Path(SectionProducts, p.Name, "headers", dir, "set", name), "header value", ops.Set[name],
				`plain text; to send a flow variable, use fromVariable: {"`+name+`": "variable.name"}`)
		}
		for _, name := range Names(ops.FromVariable) {
			if v := ops.FromVariable[name]; secretVariable(v) {
				errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "headers", dir, "fromVariable", name),
					"variable %s holds a secret (expected a variable that is not private.* or a client secret: secrets never go into headers)", v))
			}
		}
	}
	if p.CORS != nil {
		for i, o := range p.CORS.Origins {
			brace(Path(SectionProducts, p.Name, "cors", "origins", i), "origin", o, "an origin written out")
		}
	}
	if o := p.Auth.OIDC; o != nil {
		brace(Path(SectionProducts, p.Name, "auth", "oidc", "audience"), "audience", o.Audience, "the audience written out")
	}
	return errs
}

// ops returns the header transforms of dir, "request" or "response".
func (h Headers) ops(dir string) HeaderOps {
	if dir == "request" {
		return h.Request
	}
	return h.Response
}

// secretVariable reports a flow variable that holds a secret: private.*
// (Apigee's masked variables, where KVM secrets are read to) and client
// secrets.
func secretVariable(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "private.") || strings.Contains(lower, "secret")
}
