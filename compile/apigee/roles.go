package apigee

import (
	"cmp"
	"slices"

	"github.com/lingate/lingate/schema"
)

// member is a role granted on the product being compiled, with its grant.
type member struct {
	role  *schema.Role
	grant *schema.Grant
}

// members returns the roles granted on p, sorted by name.
func members(cfg *schema.Config, p *schema.Product) []member {
	var ms []member
	for _, r := range cfg.RolesFor(p.Name) {
		ms = append(ms, member{r, r.Grants[p.Name]})
	}
	return ms
}

// tier is the role's tier, or the product's when the role names none.
func (m member) tier(p *schema.Product) string {
	return cmp.Or(m.role.Tier, p.Tier)
}

// methods is what the grant allows: its methods, or all of the product's
// (every method the language knows when the product declares no
// operations), HEAD implied by GET.
func (m member) methods(p *schema.Product) []string {
	switch {
	case len(m.grant.Methods) > 0:
		return withHead(m.grant.Methods)
	case len(p.Operations) > 0:
		return withHead(p.Methods())
	}
	return allMethods
}

// withHead adds HEAD to methods that hold GET: a HEAD request is a GET
// without its body, so whoever may GET may HEAD.
func withHead(methods []string) []string {
	if !slices.Contains(methods, "GET") || slices.Contains(methods, "HEAD") {
		return methods
	}
	return append(slices.Clone(methods), "HEAD")
}

// allMethods are the HTTP methods the policy language knows.
var allMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// holdsAny reports whether the grant holds one of scopes.
func (m member) holdsAny(scopes []string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(m.grant.Scopes, s) })
}

// authorises reports whether the grant alone allows method on op (nil for
// a product without operations): the method and one of the operation's
// scopes must come from the same grant.
func (m member) authorises(p *schema.Product, op *schema.Operation, method string) bool {
	if !slices.Contains(m.methods(p), method) {
		return false
	}
	return op == nil || len(op.Scopes) == 0 || m.holdsAny(op.Scopes)
}

// precedence orders the grants that may authorise a request; the first
// that does decides the request's quota and tier. The most generous quota
// comes first (a grant without a quota is unlimited), equal quotas by role
// name.
func precedence(ms []member) []member {
	out := slices.Clone(ms)
	slices.SortStableFunc(out, func(a, b member) int {
		qa, qb := a.grant.Quota, b.grant.Quota
		switch {
		case qa == nil && qb == nil:
			return cmp.Compare(a.role.Name, b.role.Name)
		case qa == nil:
			return -1
		case qb == nil:
			return 1
		}
		return cmp.Or(cmp.Compare(qb.Rate(), qa.Rate()), cmp.Compare(a.role.Name, b.role.Name))
	})
	return out
}

// grantPolicies returns one AssignMessage per role granted on p, which
// records that the role's grant authorised the request, AM-Member, and the
// PreFlow steps that refuse callers in none of the roles: AM-Member marks
// the members of each role, then RF-Forbidden refuses the unmarked (one
// condition per role keeps each condition short).
func grantPolicies(p *schema.Product, ms []member, caller string) ([]policyFile, []step) {
	var files []policyFile
	var steps []step
	for _, m := range ms {
		files = append(files, policyFile{grantPolicy(m.role.Name), grantAssignment(p, m, caller)})
		steps = append(steps, step{Name: policyMember, Condition: isTrue(memberVar(m.role.Name))})
	}
	if len(ms) == 0 {
		return files, []step{{Name: policyForbidden}}
	}
	member := assignMessage{Name: policyMember, AssignVariables: []assignVariable{{Name: varMember, Value: "true"}}}
	files = append(files, policyFile{policyMember, member})
	return files, append(steps, step{Name: policyForbidden, Condition: isUnset(varMember)})
}

// grantSteps are the steps of an operation's flow that admit a request
// for method on op: each grant that authorises it, in precedence order,
// runs for its members until one has, then RF-Forbidden refuses the
// request no grant authorised.
func grantSteps(p *schema.Product, ms []member, op *schema.Operation, method string) []step {
	var steps []step
	for _, m := range precedence(ms) {
		if !m.authorises(p, op, method) {
			continue
		}
		steps = append(steps, step{Name: grantPolicy(m.role.Name), Condition: and(isTrue(memberVar(m.role.Name)), isUnset(varRole))})
	}
	if len(steps) == 0 {
		return []step{{Name: policyForbidden}}
	}
	return append(steps, step{Name: policyForbidden, Condition: isUnset(varRole)})
}

// grantAssignment records the authorising grant: its role, its tier and
// its quota.
func grantAssignment(p *schema.Product, m member, caller string) assignMessage {
	vars := []assignVariable{
		{Name: varRole, Value: m.role.Name},
		{Name: varTier, Value: m.tier(p)},
	}
	vars = append(vars, quotaVariables(m, caller)...)
	return assignMessage{Name: grantPolicy(m.role.Name), AssignVariables: vars, IgnoreUnresolvedVariables: true}
}

// tierPolicies returns one AssignMessage per tier a grant can place
// callers on, and the PostFlow steps that run the one of the authorising
// grant's tier.
func tierPolicies(env *schema.Environment, p *schema.Product, ms []member) ([]policyFile, []step) {
	var tiers []string
	for _, m := range ms {
		tiers = append(tiers, m.tier(p))
	}
	slices.Sort(tiers)
	var files []policyFile
	var steps []step
	for _, t := range slices.Compact(tiers) {
		files = append(files, policyFile{tierPolicy(t), tierAssignment(env, t)})
		steps = append(steps, step{Name: tierPolicy(t), Condition: equals(varTier, t)})
	}
	return files, steps
}

// tierAssignment tells the target where the caller's data lands: the tier
// and its LINSTOR resource group.
func tierAssignment(env *schema.Environment, tier string) assignMessage {
	return assignMessage{
		Name: tierPolicy(tier),
		Set: &headerList{Headers: []header{
			{Name: storageTierTitle, Value: tier},
			{Name: resourceGroupTitle, Value: ResourceGroup(env, tier)},
		}},
	}
}

// ResourceGroup is the LINSTOR resource group of tier in env: the
// environment's resource group prefix and the tier's name.
func ResourceGroup(env *schema.Environment, tier string) string {
	return env.Linstor.ResourceGroupPrefix + tier
}
