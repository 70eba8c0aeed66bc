package schema

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

// namePattern is the rule for names of environments, tiers, products and roles.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// entries lists every value to check, allocating its decoded form in cfg,
// and reports top-level fields and names the language does not allow. It
// also returns the sections whose entries cannot be listed.
func (l *loader) entries(cfg *Config) ([]*entry, map[string]bool, Errors) {
	errs := l.unknownSections()
	var out []*entry
	broken := map[string]bool{}
	for _, s := range sections {
		v := l.data.LookupPath(cue.MakePath(cue.Str(s.name)))
		if !v.Exists() {
			continue
		}
		def := l.data.LookupPath(cue.ParsePath(s.def))
		if !s.entries {
			cfg.Release = &Release{}
			out = append(out, &entry{section: s.name, value: v, def: def, into: cfg.Release})
			continue
		}
		es, more, ok := l.sectionEntries(cfg, s, v, def)
		out, errs = append(out, es...), append(errs, more...)
		broken[s.name] = !ok
	}
	return out, broken, errs
}

// sectionEntries lists the named entries of one section, or reports false
// when the section is not a struct of entries.
func (l *loader) sectionEntries(cfg *Config, s section, v, def cue.Value) ([]*entry, Errors, bool) {
	// An error inside an entry makes the section bottom too; its entries
	// are still there to check one by one.
	if k := v.IncompleteKind(); k != cue.StructKind && k != cue.BottomKind {
		return nil, Errors{{Pos: l.pos.at(v), Path: s.name, Msg: fmt.Sprintf("expected a struct of named %s, got %v", s.name, k)}}, false
	}
	it, err := v.Fields()
	if err != nil {
		// The section itself is in conflict; outsideEntries reports it.
		return nil, nil, false
	}
	var out []*entry
	var errs Errors
	for it.Next() {
		name := it.Selector().Unquoted()
		if !namePattern.MatchString(name) {
			errs = append(errs, Error{Pos: l.pos.at(it.Value()), Path: it.Value().Path().String(),
				Msg: fmt.Sprintf("invalid name %q (expected a lower-case letter, then up to 39 lower-case letters, digits or dashes)", name)})
		}
		out = append(out, &entry{section: s.name, name: name, value: it.Value(), def: def, into: cfg.slot(s.name, name)})
	}
	return out, errs, true
}

// unknownSections reports top-level fields other than the language's sections.
// Definitions and hidden fields are the user's own helpers and are allowed.
func (l *loader) unknownSections() Errors {
	it, err := l.data.Fields()
	if err != nil {
		return fromCUE(err, l.pos, l.pol)
	}
	var known []string
	for _, s := range sections {
		known = append(known, s.name)
	}
	known = append(known, SectionGuardrails)
	var errs Errors
	for it.Next() {
		if name := it.Selector().Unquoted(); !slices.Contains(known, name) {
			errs = append(errs, Error{Pos: l.pos.at(it.Value()), Path: it.Value().Path().String(),
				Msg: fmt.Sprintf("unknown top-level field %q (expected one of %s)", name, strings.Join(known, ", "))})
		}
	}
	return errs
}

// outsideEntries reports the errors CUE finds outside the entries that are
// checked one by one: in the user's hidden fields and definitions, and in a
// section that is not a struct. Errors inside entries are left to their
// entry's own check, which words them better.
func (l *loader) outsideEntries() Errors {
	var raws []rawErr
	for _, e := range cueerrors.Errors(l.data.Validate()) {
		if !inEntry(e.Path()) {
			raws = append(raws, convert(e, l.pos))
		}
	}
	return l.pol.summarize(raws)
}

// inEntry reports whether a CUE error path lies inside an entry of a section.
func inEntry(path []string) bool {
	if len(path) == 0 {
		return false
	}
	i := slices.IndexFunc(sections, func(s section) bool { return s.name == path[0] })
	return i >= 0 && (len(path) > 1 || !sections[i].entries)
}

// slot allocates the decoded form of entry name in section and returns it.
func (c *Config) slot(section, name string) any {
	switch section {
	case SectionEnvironments:
		c.Environments[name] = &Environment{}
		return c.Environments[name]
	case SectionTiers:
		c.Tiers[name] = &Tier{}
		return c.Tiers[name]
	case SectionProducts:
		c.Products[name] = &Product{}
		return c.Products[name]
	default:
		c.Roles[name] = &Role{}
		return c.Roles[name]
	}
}

// drop removes an entry that failed its checks.
func (c *Config) drop(section, name string) {
	switch section {
	case SectionEnvironments:
		delete(c.Environments, name)
	case SectionTiers:
		delete(c.Tiers, name)
	case SectionProducts:
		delete(c.Products, name)
	case SectionRoles:
		delete(c.Roles, name)
	default:
		c.Release = nil
	}
}

// finish fills what decoding cannot: names from map keys, and the defaults
// of sandbox environments.
func (c *Config) finish() {
	for name, e := range c.Environments {
		e.Name = name
		if e.Sandbox && e.Apigee.Organization == "" {
			e.Apigee.Organization = SandboxOrganization
		}
		if e.Sandbox && e.Apigee.Environment == "" {
			e.Apigee.Environment = name
		}
		e.Apigee.KeepRevisions = cmp.Or(e.Apigee.KeepRevisions, DefaultKeepRevisions)
		for rname, r := range e.Linstor.Remotes {
			r.Name = rname
		}
		e.Observability.LatencyMetric = cmp.Or(e.Observability.LatencyMetric, DefaultLatencyMetric)
		e.Observability.ProxyLabel = cmp.Or(e.Observability.ProxyLabel, "proxy")
		e.Placement.applyDefaults()
	}
	for name, t := range c.Tiers {
		t.Name = name
		t.applyDefaults()
	}
	for name, p := range c.Products {
		p.Name = name
		p.Auth.applyDefaults()
		p.Approval = cmp.Or(p.Approval, "auto")
	}
	if c.Release != nil {
		c.Release.MinApprovals = max(c.Release.MinApprovals, 1)
	}
	for name, r := range c.Roles {
		r.Name = name
	}
}

// applyDefaults fills what the user left out with the language's defaults.
func (t *Tier) applyDefaults() {
	if t.Layers == nil {
		t.Layers = []string{"DRBD", "STORAGE"}
	}
	if t.Volumes == nil {
		t.Volumes = []Volume{{}}
	}
	t.DRBD.Protocol = cmp.Or(t.DRBD.Protocol, "C")
	t.DRBD.Quorum = cmp.Or(t.DRBD.Quorum, "majority")
	if t.Backup != nil {
		t.Backup.OnFailure = cmp.Or(t.Backup.OnFailure, "skip")
	}
}

// applyDefaults sets the claim of the auth method in use to "groups" unless given.
func (a *Auth) applyDefaults() {
	for _, claim := range []*string{claimOf(a.OIDC), claimOfKey(a.APIKey), claimOfKey(a.OAuth2)} {
		if claim != nil {
			*claim = cmp.Or(*claim, DefaultClaim)
		}
	}
}

func claimOf(o *OIDC) *string {
	if o == nil {
		return nil
	}
	return &o.Claim
}

func claimOfKey(k *KeyAuth) *string {
	if k == nil {
		return nil
	}
	return &k.Claim
}

// SandboxOrganization is the Apigee organization of sandbox environments
// unless they name another.
const SandboxOrganization = "sandbox"
