package access

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Decision is what the policies intend for one request to one product:
// refused with a status, or admitted with the role whose quota applies,
// that quota and the caller's tier.
type Decision struct {
	Status int // 0 when admitted; 403 when no role allows it; 404 for no operation
	Role   string
	Quota  *schema.Quota // nil: the product's quota alone
	Tier   string
	// Target is where the call is routed: "url ..." or "server ...".
	Target string
}

// Decide applies the policy language's rules to a caller in groups
// calling method on path (relative to the product's base path): a member
// of several roles gets the union of their scopes and methods, the
// largest of their quotas, and the tier of the first role in name order.
func Decide(cfg *schema.Config, p *schema.Product, groups []string, method, path string) Decision {
	var ms []*schema.Role
	for _, r := range cfg.RolesFor(p.Name) {
		if slices.ContainsFunc(r.Members.Claims.Groups, func(g string) bool { return slices.Contains(groups, g) }) {
			ms = append(ms, r)
		}
	}
	if len(ms) == 0 {
		return Decision{Status: 403}
	}
	op, found := matchOperation(p, method, path)
	switch {
	case !found && len(p.Operations) > 0:
		return Decision{Status: 404}
	case !slices.ContainsFunc(ms, func(r *schema.Role) bool { return slices.Contains(GrantMethods(p, r.Grants[p.Name]), method) }):
		return Decision{Status: 403}
	case !slices.ContainsFunc(ms, func(r *schema.Role) bool { return Holds(r.Grants[p.Name], op.Scopes) }):
		return Decision{Status: 403}
	}
	holder, tier := quotaHolder(p, ms), RoleTier(p, ms[0])
	return Decision{Role: holder.Name, Quota: holder.Grants[p.Name].Quota, Tier: tier, Target: target(p, tier)}
}

// matchOperation finds the operation of p serving method on path: the
// one with fewest wildcards among those matching (Apigee runs the first
// matching flow, and the compiler puts the most specific first). Without
// operations, every known method on every path.
func matchOperation(p *schema.Product, method, path string) (schema.Operation, bool) {
	if len(p.Operations) == 0 {
		return schema.Operation{}, slices.Contains(AllMethods, method)
	}
	var best *schema.Operation
	for i, op := range p.Operations {
		if !slices.Contains(op.Methods, method) || !MatchesPath(PathPattern(op.Path), path) {
			continue
		}
		if best == nil || wildness(op.Path) < wildness(best.Path) {
			best = &p.Operations[i]
		}
	}
	if best == nil {
		return schema.Operation{}, false
	}
	return *best, true
}

// wildness orders patterns: fewer ** first, then fewer *.
func wildness(path string) int {
	pat := PathPattern(path)
	return strings.Count(pat, "**")*1000 + strings.Count(pat, "*")
}

// quotaHolder is the member role whose quota applies: one without quota
// (the product's alone), else the largest rate; ties go to the first name.
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
