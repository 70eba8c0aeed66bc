package schema

import (
	"cmp"
	"slices"
	"strings"
)

// Warnings about what the compiled proxies do at runtime (see
// docs/runtime.md): roles that overlap but disagree on tier, CORS methods
// narrower than the operations', roles taken from developer app
// attributes, and product settings OIDC auth never consults.

// runtimeWarnings returns the runtime warnings of product p.
func (c *Config) runtimeWarnings(p *Product) Errors {
	var ws Errors
	ws = append(ws, c.tierOverlapWarnings(p)...)
	ws = append(ws, c.corsMethodWarnings(p)...)
	ws = append(ws, c.authWarnings(p)...)
	return ws
}

// tierOverlapWarnings: two roles granted on p whose grants can both
// authorise one request but place callers on different tiers. A caller in
// both gets the tier of the grant that comes first (the larger quota, no
// quota first, then the role name).
func (c *Config) tierOverlapWarnings(p *Product) Errors {
	roles := c.RolesFor(p.Name)
	slices.SortStableFunc(roles, func(a, b *Role) int { return grantPrecedence(a, b, p.Name) })
	var ws Errors
	for i, a := range roles {
		for _, b := range roles[i+1:] {
			ta, tb := cmp.Or(a.Tier, p.Tier), cmp.Or(b.Tier, p.Tier)
			if ta == tb {
				continue
			}
			req, ok := overlap(p, a.Grants[p.Name], b.Grants[p.Name])
			if !ok {
				continue
			}
			ws = append(ws, c.Errorf(Path(SectionRoles, b.Name, "tier"),
				"roles %s (tier %s) and %s (tier %s) can both authorise %s on product %s: a caller in both is placed on %s, the tier of %s, whose grant comes first (larger quota, then name)",
				a.Name, ta, b.Name, tb, req, p.Name, ta, a.Name))
		}
	}
	return ws
}

// grantPrecedence orders roles by their grants on product: the larger
// quota first (no quota is unlimited), then the role name.
func grantPrecedence(a, b *Role, product string) int {
	qa, qb := a.Grants[product].Quota, b.Grants[product].Quota
	switch {
	case qa == nil && qb != nil:
		return -1
	case qa != nil && qb == nil:
		return 1
	case qa != nil && qb != nil:
		if d := cmp.Compare(qb.Rate(), qa.Rate()); d != 0 {
			return d
		}
	}
	return cmp.Compare(a.Name, b.Name)
}

// overlap finds a request both grants authorise: a method both allow on
// an operation whose scopes (if any) each holds one of.
func overlap(p *Product, a, b *Grant) (string, bool) {
	if len(p.Operations) == 0 {
		for _, m := range grantMethods(a, nil) {
			if slices.Contains(grantMethods(b, nil), m) {
				return m + " requests", true
			}
		}
		return "", false
	}
	for _, op := range p.Operations {
		if !holdsScope(a, op) || !holdsScope(b, op) {
			continue
		}
		for _, m := range grantMethods(a, op.Methods) {
			if slices.Contains(grantMethods(b, op.Methods), m) {
				return m + " " + op.Path, true
			}
		}
	}
	return "", false
}

// grantMethods are the methods g allows among methods (nil: any).
func grantMethods(g *Grant, methods []string) []string {
	switch {
	case len(g.Methods) == 0 && methods == nil:
		return []string{"any method"}
	case len(g.Methods) == 0:
		return methods
	case methods == nil:
		return g.Methods
	}
	return slices.DeleteFunc(slices.Clone(methods), func(m string) bool { return !slices.Contains(g.Methods, m) })
}

// holdsScope reports whether g holds one of the scopes op asks for, or op
// asks for none.
func holdsScope(g *Grant, op Operation) bool {
	return len(op.Scopes) == 0 || slices.ContainsFunc(op.Scopes, func(s string) bool { return slices.Contains(g.Scopes, s) })
}

// corsMethodWarnings: CORS allowed methods that leave out methods the
// operations declare; browsers refuse those calls at preflight.
func (c *Config) corsMethodWarnings(p *Product) Errors {
	if p.CORS == nil || len(p.CORS.Methods) == 0 {
		return nil
	}
	var missing []string
	for _, m := range p.Methods() {
		if m != "OPTIONS" && !slices.Contains(p.CORS.Methods, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return Errors{c.Errorf(Path(SectionProducts, p.Name, "cors", "methods"),
		"CORS allows %s, but operations of product %s also take %s: browsers refuse those calls at preflight (add them to cors.methods)",
		strings.Join(p.CORS.Methods, ", "), p.Name, strings.Join(missing, ", "))}
}

// authWarnings: roles read from developer app attributes, which whoever
// can edit the app can change (when some role is granted on p); and
// manual approval, which OIDC products
// never consult (their proxy runs no API product check).
func (c *Config) authWarnings(p *Product) Errors {
	at := Path(SectionProducts, p.Name, "auth")
	switch {
	case p.Auth.OIDC != nil && p.Approval == "manual":
		return Errors{c.Errorf(Path(SectionProducts, p.Name, "approval"),
			"product %s authenticates with OIDC, so its proxy runs no API product check: approval: manual has no effect (approve callers in the identity provider)", p.Name)}
	case (p.Auth.APIKey != nil || p.Auth.OAuth2 != nil) && len(c.RolesFor(p.Name)) > 0:
		return Errors{c.Errorf(at, "product %s takes roles from the developer app attribute %q: anyone who can edit the app's attributes can assign any role (restrict who may edit developer apps, or use OIDC)",
			p.Name, p.Auth.Claim())}
	}
	return nil
}
