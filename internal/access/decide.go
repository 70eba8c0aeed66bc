package access

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Decision is what the policies intend for one request to one product:
// refused with a status, or admitted with the role whose grant authorises
// it, that grant's quota and tier.
type Decision struct {
	// Status is 0 when admitted; 403 when the caller is in no role of the
	// product or no grant authorises the request; 404 for no operation's
	// path; 405 for a declared path without the method (apiKey and oauth2
	// products answer both with 401: their API product check fails).
	Status int
	Role   string
	Quota  *schema.Quota // nil: the product's quota alone
	Tier   string
	// Target is where the call is routed: "url ..." or "server ...".
	Target string
}

// Decide applies the policy language's rules (docs/runtime.md) to a
// caller in groups calling method on path (relative to the product's base
// path): one grant authorises the request, allowing its method (GET
// implies HEAD) and holding a scope of its operation; among the caller's
// grants that do, the largest quota (none is unlimited) and then the first
// role by name decides quota and tier. A trailing slash is the path
// without it. An undeclared path or method is 404 or 405 for oidc
// products and 401 for apiKey and oauth2 ones, whose API product check
// refuses it during authentication.
func Decide(cfg *schema.Config, p *schema.Product, groups []string, method, path string) Decision {
	op, status := matchOperation(p, method, path)
	if status != 0 && p.Auth.OIDC == nil {
		// VerifyAPIKey and OAuthV2 check the API product's operations
		// during authentication, before any role check.
		return Decision{Status: 401}
	}
	var ms []*schema.Role
	for _, r := range cfg.RolesFor(p.Name) {
		if slices.ContainsFunc(r.Members.Claims.Groups, func(g string) bool { return slices.Contains(groups, g) }) {
			ms = append(ms, r)
		}
	}
	if len(ms) == 0 {
		return Decision{Status: 403}
	}
	if status != 0 {
		return Decision{Status: status}
	}
	var grants []*schema.Role
	for _, r := range ms {
		g := r.Grants[p.Name]
		if allows(GrantMethods(p, g), method) && Holds(g, op.Scopes) {
			grants = append(grants, r)
		}
	}
	if len(grants) == 0 {
		return Decision{Status: 403}
	}
	holder := quotaHolder(p, grants)
	tier := RoleTier(p, holder)
	return Decision{Role: holder.Name, Quota: holder.Grants[p.Name].Quota, Tier: tier, Target: target(p, tier)}
}

// allows reports whether a list of methods admits method, HEAD implied by
// GET.
func allows(methods []string, method string) bool {
	return slices.Contains(methods, method) || method == "HEAD" && slices.Contains(methods, "GET")
}

// matchOperation finds the operation of p serving method on path: the
// one with fewest wildcards among those matching (Apigee runs the first
// matching flow, and the compiler puts the most specific first), or the
// status without one: 405 when an operation's path matches, else 404.
// Without operations, every path and method reaches the grants.
func matchOperation(p *schema.Product, method, path string) (schema.Operation, int) {
	if len(p.Operations) == 0 {
		return schema.Operation{}, 0
	}
	var best *schema.Operation
	declared := false
	for i, op := range p.Operations {
		if !MatchesOperationPath(PathPattern(op.Path), path) {
			continue
		}
		declared = true
		if !allows(op.Methods, method) {
			continue
		}
		if best == nil || wildness(op.Path) < wildness(best.Path) {
			best = &p.Operations[i]
		}
	}
	switch {
	case best != nil:
		return *best, 0
	case declared:
		return schema.Operation{}, 405
	}
	return schema.Operation{}, 404
}

// MatchesOperationPath is an operation flow's path condition on a path
// suffix: the pattern, or the pattern followed by a trailing slash. The
// bare base path (an empty path suffix) is "/".
func MatchesOperationPath(pattern, path string) bool {
	if path == "" {
		path = "/"
	}
	return MatchesPath(pattern, path) || path != "/" && strings.HasSuffix(path, "/") && MatchesPath(pattern, strings.TrimSuffix(path, "/"))
}

// wildness orders patterns: fewer ** first, then fewer *.
func wildness(path string) int {
	pat := PathPattern(path)
	return strings.Count(pat, "**")*1000 + strings.Count(pat, "*")
}

// quotaHolder is the grant that takes precedence: one without quota
// (unlimited), else the largest rate; ties go to the first name.
func quotaHolder(p *schema.Product, ms []*schema.Role) *schema.Role {
	return slices.MinFunc(ms, func(a, b *schema.Role) int {
		qa, qb := a.Grants[p.Name].Quota, b.Grants[p.Name].Quota
		switch {
		case qa == nil && qb == nil:
			return strings.Compare(a.Name, b.Name)
		case qa == nil:
			return -1
		case qb == nil:
			return 1
		}
		return cmp.Or(cmp.Compare(qb.Rate(), qa.Rate()), strings.Compare(a.Name, b.Name))
	})
}

// PathPattern is an operation path as Apigee's MatchesPath reads it:
// {name} parameters match one segment.
func PathPattern(path string) string {
	return placeholder.ReplaceAllString(path, "*")
}

// placeholder is an OpenAPI-style path parameter such as {id}.
var placeholder = regexp.MustCompile(`\{[^/{}]*\}`)

// MatchesPath is Apigee's MatchesPath operator: * matches one path
// segment, ** the rest of the path.
func MatchesPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, seg := range ps {
		if seg == "**" {
			return true
		}
		if i >= len(xs) || seg != "*" && seg != xs[i] {
			return false
		}
	}
	return len(ps) == len(xs)
}
