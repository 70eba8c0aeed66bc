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
// (every method the language knows when the product declares no operations).
func (m member) methods(p *schema.Product) []string {
	switch {
	case len(m.grant.Methods) > 0:
		return m.grant.Methods
	case len(p.Operations) > 0:
		return p.Methods()
	}
	return allMethods
}

// allMethods are the HTTP methods the policy language knows.
var allMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// holdsAny reports whether the grant holds one of scopes.
func (m member) holdsAny(scopes []string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(m.grant.Scopes, s) })
}

// access is what the role checks need: which methods and which operations'
// scopes must be checked at all (those some role lacks), so the flows test
// nothing that every admitted caller passes.
type access struct {
	methods []string // methods some role does not allow
	scoped  []int    // numbers (from 1) of operations whose scopes some role lacks
}

// accessChecks finds the methods and operations that need checks.
func accessChecks(p *schema.Product, ms []member) access {
	var a access
	verbs := allMethods
	if len(p.Operations) > 0 {
		verbs = p.Methods()
	}
	for _, v := range verbs {
		if slices.ContainsFunc(ms, func(m member) bool { return !slices.Contains(m.methods(p), v) }) {
			a.methods = append(a.methods, v)
		}
	}
	for i, op := range p.Operations {
		if len(op.Scopes) > 0 && slices.ContainsFunc(ms, func(m member) bool { return !m.holdsAny(op.Scopes) }) {
			a.scoped = append(a.scoped, i+1)
		}
	}
	return a
}

// quotaOrder sorts roles so the largest quota comes last: roles with a
// quota by rising rate (on equal rates, the first name last), then roles
// without one, which leave the caller under the product quota alone.
func quotaOrder(ms []member) []member {
	out := slices.Clone(ms)
	slices.SortStableFunc(out, func(a, b member) int {
		qa, qb := a.grant.Quota, b.grant.Quota
		switch {
		case qa == nil && qb == nil:
			return cmp.Compare(b.role.Name, a.role.Name)
		case qa == nil:
			return 1
		case qb == nil:
			return -1
		}
		return cmp.Or(cmp.Compare(qa.Rate(), qb.Rate()), cmp.Compare(b.role.Name, a.role.Name))
	})
	return out
}

// rolePolicies returns one AssignMessage per role and the PreFlow steps
// that run each for the role's members, in quota order, then RF-Forbidden
// for callers no role admits.
func rolePolicies(p *schema.Product, ms []member, a access, caller string) ([]policyFile, []step) {
	var files []policyFile
	var steps []step
	for _, m := range quotaOrder(ms) {
		name := rolePolicy(m.role.Name)
		files = append(files, policyFile{name, roleAssignment(p, m, a, caller)})
		steps = append(steps, step{Name: name, Condition: isTrue(memberVar(m.role.Name))})
	}
	steps = append(steps, step{Name: policyForbidden, Condition: isUnset(varRole)})
	return files, steps
}

// roleAssignment sets the flags of one role's members: membership, the
// role as the quota holder, its quota, its methods and its scopes.
func roleAssignment(p *schema.Product, m member, a access, caller string) assignMessage {
	vars := []assignVariable{
		{Name: roleVar(m.role.Name), Value: "true"},
		{Name: varRole, Value: m.role.Name},
	}
	vars = append(vars, quotaVariables(m, caller)...)
	allowed := m.methods(p)
	for _, v := range a.methods {
		if slices.Contains(allowed, v) {
			vars = append(vars, assignVariable{Name: methodVar(v), Value: "true"})
		}
	}
	for _, n := range a.scoped {
		if m.holdsAny(p.Operations[n-1].Scopes) {
			vars = append(vars, assignVariable{Name: scopeVar(n), Value: "true"})
		}
	}
	return assignMessage{Name: rolePolicy(m.role.Name), AssignVariables: vars, IgnoreUnresolvedVariables: true}
}

// tierPolicies returns one AssignMessage per tier callers can be placed
// on, and the steps that place them: each role's tier in role name order
// while no tier is set yet, then the product's tier.
func tierPolicies(env *schema.Environment, p *schema.Product, ms []member) ([]policyFile, []step) {
	var steps []step
	tiers := []string{p.Tier}
	for _, m := range ms {
		t := m.tier(p)
		tiers = append(tiers, t)
		steps = append(steps, step{Name: tierPolicy(t), Condition: and(isTrue(roleVar(m.role.Name)), isUnset(varTier))})
	}
	steps = append(steps, step{Name: tierPolicy(p.Tier), Condition: isUnset(varTier)})
	slices.Sort(tiers)
	var files []policyFile
	for _, t := range slices.Compact(tiers) {
		files = append(files, policyFile{tierPolicy(t), tierAssignment(env, t)})
	}
	return files, steps
}

// tierAssignment records the caller's tier and tells the target where the
// caller's data lands: the tier and its LINSTOR resource group.
func tierAssignment(env *schema.Environment, tier string) assignMessage {
	return assignMessage{
		Name: tierPolicy(tier),
		Set: &headerList{Headers: []header{
			{Name: storageTierTitle, Value: tier},
			{Name: resourceGroupTitle, Value: ResourceGroup(env, tier)},
		}},
		AssignVariables: []assignVariable{{Name: varTier, Value: tier}},
	}
}

// ResourceGroup is the LINSTOR resource group of tier in env: the
// environment's resource group prefix and the tier's name.
func ResourceGroup(env *schema.Environment, tier string) string {
	return env.Linstor.ResourceGroupPrefix + tier
}
