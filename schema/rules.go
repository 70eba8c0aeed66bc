package schema

import (
	"fmt"
	"slices"
	"strings"
)

// check runs the rules that relate policies to each other and the ones the
// schema cannot say, over the entries that passed the schema. References are
// looked up in every declared name, so an entry with errors of its own is not
// also reported as unknown. Every rule is a lookup in an index, never a
// comparison of all pairs.
func check(cfg *Config, names declared) Errors {
	ck := &checker{cfg: cfg, names: names}
	var errs Errors
	for _, name := range cfg.EnvironmentNames() {
		errs = append(errs, checkEnvironment(ck, cfg.Environments[name])...)
	}
	for _, name := range cfg.EnvironmentNames() {
		errs = append(errs, checkRemotes(cfg, cfg.Environments[name])...)
	}
	used := tierUse(cfg)
	for _, name := range Names(cfg.Tiers) {
		errs = append(errs, checkTier(ck, cfg.Tiers[name])...)
		errs = append(errs, checkBackup(cfg, cfg.Tiers[name], used)...)
	}
	for _, name := range Names(cfg.Products) {
		errs = append(errs, checkProduct(ck, cfg.Products[name])...)
	}
	for _, name := range Names(cfg.Roles) {
		errs = append(errs, checkRole(ck, cfg.Roles[name])...)
	}
	errs = append(errs, checkRelease(ck)...)
	errs = append(errs, checkURLs(cfg)...)
	errs = append(errs, checkText(cfg)...)
	return append(errs, checkBasePaths(cfg)...)
}

// checkEnvironment requires the Apigee and LINSTOR targets of environments
// that are not sandboxes.
func checkEnvironment(ck *checker, e *Environment) Errors {
	cfg := ck.cfg
	if e.Sandbox {
		return nil
	}
	var errs Errors
	need := func(ok bool, field, what string) {
		if !ok {
			errs = append(errs, cfg.Errorf(Path(SectionEnvironments, e.Name, field),
				"field is required for an environment that is not a sandbox (expected %s)", what))
		}
	}
	need(e.Apigee.Organization != "", "apigee", "apigee.organization, the Apigee organization")
	need(e.Apigee.Environment != "", "apigee", "apigee.environment, the Apigee environment")
	need(len(e.Linstor.Controllers) > 0, "linstor", "linstor.controllers, the LINSTOR controller URLs")
	return errs
}

// checkTier checks the layer stack and the replica count against spreading.
func checkTier(ck *checker, t *Tier) Errors {
	cfg := ck.cfg
	var errs Errors
	seen := map[string]bool{}
	for i, l := range t.Layers {
		if seen[l] {
			errs = append(errs, cfg.Errorf(Path(SectionTiers, t.Name, "layers", i), "layer %s appears twice (expected each layer once)", l))
		}
		seen[l] = true
	}
	if n := len(t.Layers); n > 0 && t.Layers[n-1] != "STORAGE" {
		errs = append(errs, cfg.Errorf(Path(SectionTiers, t.Name, "layers"), "layer stack %v does not end with STORAGE (expected STORAGE as the last layer)", t.Layers))
	}
	if len(t.ReplicasOnDifferent) > 0 && t.Replicas < 2 {
		errs = append(errs, cfg.Errorf(Path(SectionTiers, t.Name, "replicas"),
			"%d replica cannot be spread over different %s (expected replicas of at least 2)", t.Replicas, strings.Join(t.ReplicasOnDifferent, ", ")))
	}
	return errs
}

// checkProduct checks references, auth, targets and operations of a product.
func checkProduct(ck *checker, p *Product) Errors {
	cfg := ck.cfg
	errs := ck.ref(Path(SectionProducts, p.Name, "tier"), SectionTiers, p.Tier)
	for i, env := range p.Environments {
		errs = append(errs, ck.ref(Path(SectionProducts, p.Name, "environments", i), SectionEnvironments, env)...)
	}
	errs = append(errs, checkAuth(cfg, p)...)
	errs = append(errs, checkTargets(ck, p)...)
	errs = append(errs, checkOperations(cfg, p)...)
	errs = append(errs, checkPaths(cfg, p)...)
	errs = append(errs, checkTemplates(cfg, p)...)
	errs = append(errs, checkPlacement(cfg, p)...)
	return append(errs, checkHeaders(cfg, p)...)
}

func checkAuth(cfg *Config, p *Product) Errors {
	var kinds []string
	for kind, set := range map[string]bool{"oidc": p.Auth.OIDC != nil, "apiKey": p.Auth.APIKey != nil, "oauth2": p.Auth.OAuth2 != nil} {
		if set {
			kinds = append(kinds, kind)
		}
	}
	slices.Sort(kinds)
	if len(kinds) == 1 {
		return nil
	}
	got := "none"
	if len(kinds) > 1 {
		got = strings.Join(kinds, " and ")
	}
	return Errors{cfg.Errorf(Path(SectionProducts, p.Name, "auth"), "%s given (expected exactly one of oidc, apiKey, oauth2)", got)}
}

func checkTargets(ck *checker, p *Product) Errors {
	cfg := ck.cfg
	var errs Errors
	if p.Target != nil {
		errs = append(errs, checkTarget(cfg, Path(SectionProducts, p.Name, "target"), p.Target)...)
	}
	for _, tier := range Names(p.Targets) {
		at := Path(SectionProducts, p.Name, "targets", tier)
		errs = append(errs, ck.ref(at, SectionTiers, tier)...)
		errs = append(errs, checkTarget(cfg, at, p.Targets[tier])...)
	}
	if _, ok := p.Targets[p.Tier]; p.Target == nil && !ok {
		errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name),
			"no backend for the product's tier %q (expected target, or targets.%s)", p.Tier, p.Tier))
	}
	return errs
}

func checkTarget(cfg *Config, at string, t *Target) Errors {
	if (t.URL == "") == (t.Server == "") {
		return Errors{cfg.Errorf(at, "expected exactly one of url or server")}
	}
	return nil
}

// checkOperations requires each path and method pair once.
func checkOperations(cfg *Config, p *Product) Errors {
	var errs Errors
	seen := map[string]bool{}
	for i, op := range p.Operations {
		for j, m := range op.Methods {
			key := m + " " + op.Path
			if seen[key] {
				errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "operations", i, "methods", j),
					"operation %s is declared twice (expected each path and method once)", key))
			}
			seen[key] = true
		}
	}
	return errs
}

// checkHeaders refuses a header that is both set and removed, or set both
// to a literal and from a variable (header names are case-insensitive).
func checkHeaders(cfg *Config, p *Product) Errors {
	var errs Errors
	for _, dir := range []string{"request", "response"} {
		ops := p.Headers.ops(dir)
		for i, h := range ops.Remove {
			if setsHeader(ops.Set, h) || setsHeader(ops.FromVariable, h) {
				errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "headers", dir, "remove", i),
					"header %s is both set and removed (expected one or the other)", h))
			}
		}
		for _, h := range Names(ops.FromVariable) {
			if setsHeader(ops.Set, h) {
				errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "headers", dir, "fromVariable", h),
					"header %s is set both to a literal and from a variable (expected one or the other)", h))
			}
		}
	}
	return errs
}

// setsHeader reports whether set names header h, in any case.
func setsHeader(set map[string]string, h string) bool {
	for name := range set {
		if strings.EqualFold(name, h) {
			return true
		}
	}
	return false
}

// checkRole checks a role's tier, and each grant against its product.
func checkRole(ck *checker, r *Role) Errors {
	errs := ck.ref(Path(SectionRoles, r.Name, "tier"), SectionTiers, r.Tier)
	for _, name := range Names(r.Grants) {
		errs = append(errs, ck.ref(Path(SectionRoles, r.Name, "grants", name), SectionProducts, name)...)
		if p, ok := ck.cfg.Products[name]; ok {
			errs = append(errs, checkGrant(ck.cfg, r, p, r.Grants[name])...)
		}
	}
	return errs
}

func checkGrant(cfg *Config, r *Role, p *Product, g *Grant) Errors {
	var errs Errors
	if g.Quota != nil && p.Quota != nil && g.Quota.Rate() > p.Quota.Rate() {
		errs = append(errs, cfg.Errorf(Path(SectionRoles, r.Name, "grants", p.Name, "quota"),
			"quota %s is above the quota of product %s, %s (expected at most the product's)", g.Quota, p.Name, p.Quota))
	}
	allowed := p.Methods()
	for i, m := range g.Methods {
		if len(p.Operations) > 0 && !slices.Contains(allowed, m) {
			errs = append(errs, cfg.Errorf(Path(SectionRoles, r.Name, "grants", p.Name, "methods", i),
				"method %s is not among product %s's operations (expected one of %s)", m, p.Name, strings.Join(allowed, ", ")))
		}
	}
	return errs
}

// checkRelease checks the approvers and the environments the rule covers.
func checkRelease(ck *checker) Errors {
	cfg, rel := ck.cfg, ck.cfg.Release
	if rel == nil {
		return nil
	}
	var errs Errors
	if len(rel.Approvers.Teams)+len(rel.Approvers.Users) == 0 {
		errs = append(errs, cfg.Errorf(Path(SectionRelease, "approvers"), "no approvers (expected at least one of teams or users)"))
	}
	for i, env := range rel.Environments {
		errs = append(errs, ck.ref(Path(SectionRelease, "environments", i), SectionEnvironments, env)...)
	}
	return errs
}

// checker holds what the rules look things up in.
type checker struct {
	cfg   *Config
	names declared
}

// ref reports a reference at path to a name not declared in section.
func (ck *checker) ref(at, section, name string) Errors {
	if ck.names.has(section, name) {
		return nil
	}
	kind := strings.TrimSuffix(section, "s")
	return Errors{ck.cfg.Errorf(at, "unknown %s %q (expected one of the declared %s: %s)", kind, name, section, list(ck.names.list(section)))}
}

// list words names for a message: "none" when there are none, and the
// first few then a count when there are many.
func list(names []string) string {
	const most = 8
	switch {
	case len(names) == 0:
		return "none"
	case len(names) > most:
		return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
	}
	return strings.Join(names, ", ")
}

// Methods returns the methods the product's operations declare, sorted;
// empty when the product declares no operations.
func (p *Product) Methods() []string {
	var ms []string
	for _, op := range p.Operations {
		ms = append(ms, op.Methods...)
	}
	slices.Sort(ms)
	return slices.Compact(ms)
}

// seconds is the length of each quota period; a month counts as 30 days.
var seconds = map[string]float64{"second": 1, "minute": 60, "hour": 3600, "day": 86400, "month": 30 * 86400}

// Rate is the quota in calls per second, to compare quotas of different periods.
func (q *Quota) Rate() float64 { return float64(q.Limit) / seconds[q.Per] }

// String renders the quota as "100/minute".
func (q *Quota) String() string { return fmt.Sprintf("%d/%s", q.Limit, q.Per) }
