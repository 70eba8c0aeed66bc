// Package access computes the access matrix of a configuration: which
// identity (a group value of a claim or app attribute) reaches which
// operation of which product through which role, with which scopes and
// quota, and on which storage tier, LINSTOR resource group and target its
// data lands. It is the policies' intent, in the language's own terms
// (docs/access.md); internal/simulate checks the compiled proxies against it.
package access

import (
	"cmp"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Row is one line of the matrix: one identity reaching one operation
// (method and path) of one product through one role, in one environment.
type Row struct {
	Env     string `json:"env"`
	Claim   string `json:"claim"` // the claim or app attribute the group is read from
	Group   string `json:"group"`
	Role    string `json:"role"`
	Product string `json:"product"`
	Auth    string `json:"auth"` // oidc, apiKey or oauth2
	Method  string `json:"method"`
	// Path is the full request path pattern: the base path and the
	// operation's path, or the base path and /** for a product without
	// operations.
	Path   string   `json:"path"`
	Scopes []string `json:"scopes"` // the scopes the role holds on the product
	// Quota is the effective quota of the role on the product: the grant's,
	// or the product's when the grant has none; nil when neither has one.
	Quota       *Quota `json:"quota"`
	SpikeArrest string `json:"spikeArrest,omitempty"`
	Storage
	Target string `json:"target"` // "url https://..." or "server name"
}

// Quota is an effective quota and where it comes from.
type Quota struct {
	Limit  int    `json:"limit"`
	Per    string `json:"per"`
	Source string `json:"source"` // "role" or "product"
}

// String renders the quota as "100/minute (role)".
func (q *Quota) String() string {
	if q == nil {
		return "none"
	}
	return (&schema.Quota{Limit: q.Limit, Per: q.Per}).String() + " (" + q.Source + ")"
}

// Storage is where a caller's data lands: the tier and what it means in
// LINSTOR.
type Storage struct {
	Tier          string   `json:"tier"`
	ResourceGroup string   `json:"resourceGroup"`
	Replicas      int      `json:"replicas"`
	Pools         []string `json:"pools"`
	Zones         []string `json:"replicasOnDifferent"`
	Encrypted     bool     `json:"encrypted"`
	// Backup is where copies of the tier's data go; nil when nowhere.
	Backup *Backup `json:"backup"`
}

// Matrix is the rows of some environments, sorted by environment,
// product, path, method, role, claim and group.
type Matrix struct {
	Rows []Row `json:"rows"`
}

// Compute returns the matrix of envs (every declared environment when
// envs is empty) of a valid configuration.
func Compute(cfg *schema.Config, envs []string) Matrix {
	return ComputeWhere(cfg, envs, nil)
}

// ComputeWhere is Compute of the products of each environment for which
// keep is true (all when keep is nil).
func ComputeWhere(cfg *schema.Config, envs []string, keep func(env, product string) bool) Matrix {
	if len(envs) == 0 {
		envs = cfg.EnvironmentNames()
	}
	var m Matrix
	for _, env := range envs {
		e, ok := cfg.Environments[env]
		if !ok {
			continue
		}
		for _, p := range cfg.ProductsIn(env) {
			if keep != nil && !keep(env, p.Name) {
				continue
			}
			for _, r := range cfg.RolesFor(p.Name) {
				m.Rows = append(m.Rows, roleRows(cfg, e, p, r)...)
			}
		}
	}
	m.sort()
	return m
}

// roleRows are the rows of one role on one product in one environment.
func roleRows(cfg *schema.Config, env *schema.Environment, p *schema.Product, r *schema.Role) []Row {
	g := r.Grants[p.Name]
	base := Row{
		Env: env.Name, Claim: claim(p), Role: r.Name, Product: p.Name, Auth: p.Auth.Kind(),
		Scopes: append([]string{}, g.Scopes...), Quota: effectiveQuota(p, g), SpikeArrest: p.SpikeArrest,
		Storage: storage(cfg, env, RoleTier(p, r)), Target: target(p, RoleTier(p, r)),
	}
	var rows []Row
	methods := GrantMethods(p, g)
	for _, op := range Operations(p) {
		if !Holds(g, op.Scopes) {
			continue
		}
		for _, method := range op.Methods {
			if slices.Contains(methods, method) {
				for _, group := range r.Members.Claims.Groups {
					row := base
					row.Group, row.Method, row.Path = group, method, joinPath(p.BasePath, op.Path)
					rows = append(rows, row)
				}
			}
		}
	}
	return rows
}

// claim is the claim or app attribute a product reads groups from.
func claim(p *schema.Product) string {
	return cmp.Or(p.Auth.Claim(), schema.DefaultClaim)
}

// joinPath is a base path and an operation path as one request path.
func joinPath(base, path string) string {
	return strings.TrimSuffix(base, "/") + path
}

// AnyPath is the operation path of a product that declares none.
const AnyPath = "/**"

// AllMethods are the methods the policy language knows, in the order
// the compiler lists them.
var AllMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// Operations are the product's operations; a product without any has one
// operation: every path, every method, no scopes.
func Operations(p *schema.Product) []schema.Operation {
	if len(p.Operations) > 0 {
		return p.Operations
	}
	return []schema.Operation{{Path: AnyPath, Methods: AllMethods}}
}

// GrantMethods is what a grant allows: its methods, or all of the
// product's (every method the language knows without operations).
func GrantMethods(p *schema.Product, g *schema.Grant) []string {
	switch {
	case len(g.Methods) > 0:
		return g.Methods
	case len(p.Operations) > 0:
		return p.Methods()
	}
	return AllMethods
}

// Holds reports whether a grant passes an operation's scope check: the
// operation asks for none, or the grant holds one of them.
func Holds(g *schema.Grant, scopes []string) bool {
	return len(scopes) == 0 || slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(g.Scopes, s) })
}

// RoleTier is the tier a role places its members on for a product: its
// own, or the product's.
func RoleTier(p *schema.Product, r *schema.Role) string {
	return cmp.Or(r.Tier, p.Tier)
}

// effectiveQuota is the grant's quota, else the product's.
func effectiveQuota(p *schema.Product, g *schema.Grant) *Quota {
	switch {
	case g.Quota != nil:
		return &Quota{Limit: g.Quota.Limit, Per: g.Quota.Per, Source: "role"}
	case p.Quota != nil:
		return &Quota{Limit: p.Quota.Limit, Per: p.Quota.Per, Source: "product"}
	}
	return nil
}

// storage describes tier in env.
func storage(cfg *schema.Config, env *schema.Environment, tier string) Storage {
	s := Storage{Tier: tier, ResourceGroup: env.Linstor.ResourceGroupPrefix + tier, Pools: []string{}, Zones: []string{}}
	if t, ok := cfg.Tiers[tier]; ok {
		s.Replicas, s.Encrypted = t.Replicas, t.Encrypted
		s.Pools, s.Zones = append(s.Pools, t.StoragePools...), append(s.Zones, t.ReplicasOnDifferent...)
		s.Backup = backupOf(cfg, env, tier)
	}
	return s
}

// target is where the proxy routes a caller placed on tier.
func target(p *schema.Product, tier string) string {
	t := p.Targets[tier]
	if t == nil {
		t = cmp.Or(p.Target, p.Targets[p.Tier])
	}
	switch {
	case t == nil:
		return ""
	case t.Server != "":
		return "server " + t.Server
	}
	return "url " + t.URL
}

// Filter keeps the rows of group (when not empty) and product (when not
// empty).
func (m Matrix) Filter(group, product string) Matrix {
	var out Matrix
	for _, r := range m.Rows {
		if (group == "" || r.Group == group) && (product == "" || r.Product == product) {
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// sort orders rows by environment, product, path, method, role, claim
// and group.
func (m Matrix) sort() {
	keyed := make([]keyedRow, len(m.Rows))
	for i, r := range m.Rows {
		keyed[i] = keyedRow{r.Key(), r}
	}
	slices.SortStableFunc(keyed, func(a, b keyedRow) int { return strings.Compare(a.key, b.key) })
	for i, k := range keyed {
		m.Rows[i] = k.row
	}
}

// keyedRow is a row and its key, computed once for sorting.
type keyedRow struct {
	key string
	row Row
}

// Key identifies a row: the same key in two matrices is the same access,
// perhaps with other scopes, quota, tier or target.
func (r Row) Key() string {
	return strings.Join([]string{r.Env, r.Product, r.Path, methodRank(r.Method), r.Method, r.Role, r.Claim, r.Group}, "\x00")
}

// methodRank orders methods as AllMethods lists them.
func methodRank(m string) string {
	return string(rune('0' + slices.Index(AllMethods, m) + 1))
}
