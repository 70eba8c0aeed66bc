package schema

import (
	"slices"
	"strings"
)

// Warnings are policies that are valid but almost certainly a mistake.
// They are Errors in shape (position, path, message) and never fail a
// command: validate and plan show them, exit codes ignore them.

// Warnings returns the warnings of cfg, sorted by position.
func (c *Config) Warnings() Errors {
	var ws Errors
	for _, name := range Names(c.Products) {
		ws = append(ws, c.productWarnings(c.Products[name])...)
		ws = append(ws, c.runtimeWarnings(c.Products[name])...)
	}
	for _, name := range Names(c.Roles) {
		ws = append(ws, c.roleWarnings(c.Roles[name])...)
	}
	for _, name := range Names(c.Tiers) {
		ws = append(ws, c.tierWarnings(c.Tiers[name])...)
	}
	return ws.Sort()
}

// productWarnings: a product no role grants refuses every caller.
func (c *Config) productWarnings(p *Product) Errors {
	if len(c.RolesFor(p.Name)) > 0 {
		return nil
	}
	return Errors{c.Errorf(Path(SectionProducts, p.Name), "no role grants product %s: every caller would be refused with 403 (grant it in a role's grants)", p.Name)}
}

// roleWarnings: a role that grants nothing, reaches no operation of a
// product it is granted, or holds scopes no operation asks for.
func (c *Config) roleWarnings(r *Role) Errors {
	if len(r.Grants) == 0 {
		return Errors{c.Errorf(Path(SectionRoles, r.Name, "grants"), "role %s grants nothing: its members can call no product", r.Name)}
	}
	var ws Errors
	for _, name := range Names(r.Grants) {
		p, ok := c.Products[name]
		if !ok || len(p.Operations) == 0 {
			continue
		}
		g := r.Grants[name]
		at := Path(SectionRoles, r.Name, "grants", name)
		if !slices.ContainsFunc(p.Operations, func(op Operation) bool { return g.reaches(op) }) {
			ws = append(ws, c.Errorf(at, "role %s reaches no operation of product %s: every operation needs a method or a scope the grant lacks", r.Name, name))
		}
		asked := map[string]bool{}
		for _, op := range p.Operations {
			for _, s := range op.Scopes {
				asked[s] = true
			}
		}
		for i, s := range g.Scopes {
			// Without scoped operations, scopes only fill the API product's.
			if len(asked) > 0 && !asked[s] {
				ws = append(ws, c.Errorf(Path(SectionRoles, r.Name, "grants", name, "scopes", i), "scope %s is asked for by no operation of product %s (expected one of: %s)", s, name, strings.Join(Names(asked), ", ")))
			}
		}
	}
	return ws
}

// reaches reports whether the grant allows some method of op and, when op
// asks for scopes, holds one of them.
func (g *Grant) reaches(op Operation) bool {
	method := len(g.Methods) == 0 || slices.ContainsFunc(op.Methods, func(m string) bool { return slices.Contains(g.Methods, m) })
	scoped := len(op.Scopes) == 0 || slices.ContainsFunc(op.Scopes, func(s string) bool { return slices.Contains(g.Scopes, s) })
	return method && scoped
}

// layerNamespaces are the property namespaces that only mean something with
// a layer in the stack.
var layerNamespaces = map[string]string{
	"DrbdOptions/": "DRBD", "DrbdProxy/": "DRBD", "Luks/": "LUKS", "NVMe/": "NVME",
	"Writecache/": "WRITECACHE", "Cache/": "CACHE", "BCache/": "BCACHE",
}

// tierWarnings: a LUKS layer with encryption off, and properties that
// contradict the tier's fields.
func (c *Config) tierWarnings(t *Tier) Errors {
	var ws Errors
	if !t.Encrypted && slices.Contains(t.Layers, "LUKS") {
		ws = append(ws, c.Errorf(Path(SectionTiers, t.Name, "layers"), "tier %s lists the LUKS layer but says encrypted: false (expected encrypted: true, or no LUKS layer)", t.Name))
	}
	for _, key := range Names(t.Properties) {
		at := Path(SectionTiers, t.Name, "properties", key)
		for ns, layer := range layerNamespaces {
			if strings.HasPrefix(key, ns) && !slices.Contains(t.layers(), layer) {
				ws = append(ws, c.Errorf(at, "property %s configures the %s layer, which tier %s's layers (%s) do not hold: it has no effect", key, layer, t.Name, strings.Join(t.layers(), ", ")))
			}
		}
		if key == "StorPoolName" && !slices.Contains(t.StoragePools, t.Properties[key]) {
			ws = append(ws, c.Errorf(at, "property StorPoolName is %s, which is not among the tier's storagePools (%s)", t.Properties[key], strings.Join(t.StoragePools, ", ")))
		}
	}
	return ws
}

// layers is the tier's layer stack as compiled: encrypted adds LUKS.
func (t *Tier) layers() []string {
	if t.Encrypted && !slices.Contains(t.Layers, "LUKS") {
		return append(slices.Clone(t.Layers), "LUKS")
	}
	return t.Layers
}

// Warning renders a warning for a terminal:
// "file:line:col: warning: path: message".
func Warning(e Error) string { return e.Where() + "warning: " + e.what() }
