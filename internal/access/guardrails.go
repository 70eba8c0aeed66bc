package access

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/lingate/lingate/schema"
)

// A guardrail is an invariant over the access matrix, written in CUE:
//
//	guardrails: "auditors only read": {
//		description: "Auditors never change anything"
//		match:   {group: "auditors"}            // the rows the rule is about (default: all)
//		require: {method: "GET" | "HEAD"}       // what each of them must satisfy
//	}
//
// Each row of the matrix (or, with over: "products", each product in each
// environment) is CUE data with the fields of its JSON form; a row the
// match unifies with must unify with require. See docs/policies.md.

// Over values: what a guardrail's rows are.
const (
	overAccess   = "access"
	overProducts = "products"
)

// guardrail is one guardrail as written.
type guardrail struct {
	name           string
	over           string
	match, require cue.Value // match may not exist
}

// CheckGuardrails evaluates the configuration's guardrails against its
// access matrix (every environment) and returns every violation, at the
// guardrail's own line, naming the role, grant, tier or product that
// breaks it with its position.
func CheckGuardrails(cfg *schema.Config) schema.Errors {
	section, ok := cfg.Guardrails()
	if !ok {
		return nil
	}
	gs, errs := readGuardrails(cfg, section)
	m := Compute(cfg, nil)
	for _, g := range gs {
		rows := accessRows(m)
		if g.over == overProducts {
			rows = productRows(cfg)
		}
		errs = append(errs, g.check(cfg, rows)...)
	}
	return errs.Sort()
}

// readGuardrails checks the section's shape and reads each guardrail.
func readGuardrails(cfg *schema.Config, section cue.Value) ([]guardrail, schema.Errors) {
	it, err := section.Fields()
	if err != nil {
		return nil, schema.Errors{{Pos: cfg.PosOf(section), Path: schema.SectionGuardrails, Msg: "expected a struct of named guardrails"}}
	}
	var gs []guardrail
	var errs schema.Errors
	for it.Next() {
		g, more := readGuardrail(cfg, it.Selector().Unquoted(), it.Value())
		if errs = append(errs, more...); len(more) == 0 {
			gs = append(gs, g)
		}
	}
	return gs, errs
}

// readGuardrail reads one guardrail and checks its fields.
func readGuardrail(cfg *schema.Config, name string, v cue.Value) (guardrail, schema.Errors) {
	g := guardrail{name: name, over: overAccess, match: v.LookupPath(cue.ParsePath("match")), require: v.LookupPath(cue.ParsePath("require"))}
	fail := func(at cue.Value, path []any, format string, args ...any) (guardrail, schema.Errors) {
		p := schema.Path(append([]any{schema.SectionGuardrails, name}, path...)...)
		return g, schema.Errors{{Pos: cfg.PosOf(at), Path: p, Msg: fmt.Sprintf(format, args...)}}
	}
	it, err := v.Fields()
	if err != nil {
		return fail(v, nil, "expected a guardrail {description?, over?, match?, require}")
	}
	for it.Next() {
		switch label := it.Selector().Unquoted(); label {
		case "description":
			if _, err := it.Value().String(); err != nil {
				return fail(it.Value(), []any{label}, "expected a string")
			}
		case "over":
			over, err := it.Value().String()
			if err != nil || over != overAccess && over != overProducts {
				return fail(it.Value(), []any{label}, `invalid value (expected "access" or "products")`)
			}
			g.over = over
		case "match", "require":
		default:
			return fail(it.Value(), []any{label}, "unknown field %q (expected description, over, match or require)", label)
		}
	}
	if !g.require.Exists() {
		return fail(v, nil, "require: missing (expected the constraints every matched row must satisfy)")
	}
	fields := rowFields[g.over]
	for _, part := range []struct {
		label string
		v     cue.Value
	}{{"match", g.match}, {"require", g.require}} {
		if !part.v.Exists() {
			continue
		}
		labels, err := topLabels(part.v)
		if err != nil {
			return fail(part.v, []any{part.label}, "expected a struct of row fields")
		}
		for _, l := range labels {
			if !slices.Contains(fields, l) {
				return fail(part.v.LookupPath(cue.MakePath(cue.Str(l))), []any{part.label, l}, "unknown field %q of %s rows (expected one of %s)", l, g.over, strings.Join(fields, ", "))
			}
		}
	}
	return g, nil
}

// topLabels are a struct's field names.
func topLabels(v cue.Value) ([]string, error) {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil, err
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	return out, nil
}

// row is one row as data: a field's value by its JSON name, and what
// the row is about, to name the culprit of a violation.
type row struct {
	get     func(label string) any
	env     string
	role    string // empty for product rows
	product string
	tier    string
	what    string // "GET /payments/v1/charges" or the product
}

// rowFields are the fields rows have, by what the guardrail is over.
var rowFields = map[string][]string{
	overAccess:   {"env", "claim", "group", "role", "product", "auth", "method", "path", "scopes", "quota", "spikeArrest", "tier", "resourceGroup", "replicas", "pools", "replicasOnDifferent", "encrypted", "target"},
	overProducts: {"env", "product", "auth", "basePath", "tier", "resourceGroup", "replicas", "pools", "replicasOnDifferent", "encrypted", "quota", "spikeArrest", "approval", "roles"},
}

// accessRows are the matrix's rows as data.
func accessRows(m Matrix) []row {
	out := make([]row, len(m.Rows))
	for i := range m.Rows {
		r := &m.Rows[i]
		out[i] = row{get: func(l string) any { return accessField(r, l) }, env: r.Env, role: r.Role, product: r.Product, tier: r.Tier, what: r.Method + " " + r.Path}
	}
	return out
}

// accessField is one field of an access row, as its JSON form has it.
func accessField(r *Row, label string) any {
	switch label {
	case "env":
		return r.Env
	case "claim":
		return r.Claim
	case "group":
		return r.Group
	case "role":
		return r.Role
	case "product":
		return r.Product
	case "auth":
		return r.Auth
	case "method":
		return r.Method
	case "path":
		return r.Path
	case "scopes":
		return list(r.Scopes)
	case "quota":
		return quotaData(r.Quota)
	case "spikeArrest":
		return r.SpikeArrest
	case "target":
		return r.Target
	}
	return storageField(&r.Storage, label)
}

// storageField is one field of a tier's storage, as JSON has it.
func storageField(s *Storage, label string) any {
	switch label {
	case "tier":
		return s.Tier
	case "resourceGroup":
		return s.ResourceGroup
	case "replicas":
		return s.Replicas
	case "pools":
		return list(s.Pools)
	case "replicasOnDifferent":
		return list(s.Zones)
	case "encrypted":
		return s.Encrypted
	}
	return nil
}

// list is a string list as data: [] rather than null.
func list(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// quotaData is a quota as data; null when there is none.
func quotaData(q *Quota) any {
	if q == nil {
		return nil
	}
	return map[string]any{"limit": q.Limit, "per": q.Per, "source": q.Source}
}

// productRows are every product in every environment as data.
func productRows(cfg *schema.Config) []row {
	var out []row
	for _, env := range cfg.EnvironmentNames() {
		e := cfg.Environments[env]
		for _, p := range cfg.ProductsIn(env) {
			var roles []string
			for _, r := range cfg.RolesFor(p.Name) {
				roles = append(roles, r.Name)
			}
			fields := map[string]any{"env": env, "product": p.Name, "auth": p.Auth.Kind(), "basePath": p.BasePath,
				"quota": quotaData(effectiveQuota(p, &schema.Grant{})), "spikeArrest": p.SpikeArrest, "approval": p.Approval, "roles": list(roles)}
			st := storage(cfg, e, p.Tier)
			get := func(l string) any {
				if v, ok := fields[l]; ok {
					return v
				}
				return storageField(&st, l)
			}
			out = append(out, row{get: get, env: env, product: p.Name, tier: p.Tier, what: "product " + p.Name})
		}
	}
	return out
}

// check runs the guardrail on rows. Rows are projected on the fields the
// guardrail names, and each distinct projection is evaluated once: a
// matrix of many thousand rows has few distinct tiers or methods.
func (g guardrail) check(cfg *schema.Config, rows []row) schema.Errors {
	labels, _ := topLabels(g.require)
	if g.match.Exists() {
		more, _ := topLabels(g.match)
		labels = append(labels, more...)
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	ctx := cuecontext.New()
	verdicts := map[string]string{} // projection -> the failing label, "" when none
	found := map[string]*violation{}
	var order []string
	for _, r := range rows {
		proj := make(map[string]any, len(labels))
		for _, l := range labels {
			proj[l] = r.get(l)
		}
		key := fmt.Sprintf("%#v", proj) // Go syntax: sorted keys, quoted strings
		label, seen := verdicts[string(key)]
		if !seen {
			label = g.verdict(ctx.Encode(proj))
			verdicts[string(key)] = label
		}
		if label == "" {
			continue
		}
		culprit := g.culprit(cfg, r, label)
		if v, ok := found[culprit]; ok {
			v.more++
			continue
		}
		found[culprit] = &violation{row: r, label: label, value: proj[label]}
		order = append(order, culprit)
	}
	var errs schema.Errors
	for _, c := range order {
		errs = append(errs, g.report(cfg, c, found[c]))
	}
	return errs
}

// violation is the first row breaking a guardrail through one culprit,
// and how many more do.
type violation struct {
	row   row
	label string
	value any
	more  int
}

// verdict is the first label whose requirement the row breaks, or "" when
// the row is not matched or satisfies every requirement.
func (g guardrail) verdict(data cue.Value) string {
	if g.match.Exists() && g.match.Unify(data).Validate() != nil {
		return ""
	}
	if g.require.Unify(data).Validate() == nil {
		return ""
	}
	labels, _ := topLabels(g.require)
	for _, l := range labels {
		p := cue.MakePath(cue.Str(l))
		if g.require.LookupPath(p).Unify(data.LookupPath(p)).Validate() != nil {
			return l
		}
	}
	return "require"
}

// culprit names, with its position, what in the policies makes the row
// break the requirement on label: the tier for storage fields, the grant
// for what the role may do, the role's members for who it is, else the
// product.
func (g guardrail) culprit(cfg *schema.Config, r row, label string) string {
	at := func(desc string, path ...any) string {
		return fmt.Sprintf("%s (%s)", desc, cfg.Pos(schema.Path(path...)))
	}
	tierField := map[string]string{"replicas": "replicas", "pools": "storagePools", "replicasOnDifferent": "replicasOnDifferent", "encrypted": "encrypted", "resourceGroup": ""}
	switch {
	case label == "tier" && r.role != "":
		return at("role "+r.role+" places callers on tier "+r.tier, "roles", r.role, "tier")
	case label == "tier":
		return at("product "+r.product+" is on tier "+r.tier, "products", r.product, "tier")
	case tierField[label] != "" || label == "resourceGroup":
		via := ""
		if r.role != "" {
			via = ", where role " + r.role + " places callers"
		}
		return at("tier "+r.tier+via, "tiers", r.tier, tierField[label])
	case r.role != "" && slices.Contains([]string{"method", "path", "scopes", "quota"}, label):
		return at("the grant of role "+r.role+" on "+r.product, "roles", r.role, "grants", r.product)
	case r.role != "" && slices.Contains([]string{"group", "claim", "role"}, label):
		return at("role "+r.role, "roles", r.role, "members")
	}
	return at("product "+r.product, "products", r.product)
}

// report is the error of one violation, at the guardrail's requirement.
func (g guardrail) report(cfg *schema.Config, culprit string, v *violation) schema.Error {
	req := g.require
	path := []any{schema.SectionGuardrails, g.name, "require"}
	if v.label != "require" {
		req = g.require.LookupPath(cue.MakePath(cue.Str(v.label)))
		path = append(path, v.label)
	}
	got, _ := json.Marshal(v.value)
	more := ""
	if v.more > 0 {
		more = fmt.Sprintf(" (and %d more)", v.more)
	}
	msg := fmt.Sprintf("%s breaks it: %s in %s gives %s %s (expected %v)%s", culprit, v.row.what, v.row.env, v.label, got, req, more)
	return schema.Error{Pos: cfg.PosOf(req), Path: schema.Path(path...), Msg: msg}
}
