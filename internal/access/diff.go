package access

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Change is one line of a plan's access changes: what a group gains or
// loses, or how a role's access to a product changes, in one environment.
type Change struct {
	Env  string `json:"env"`
	Kind string `json:"kind"` // "gained", "lost" or "changed"
	// Text is the sentence a reviewer reads.
	Text string `json:"text"`
}

// Diff compares the matrices of base and head: rows gained and lost,
// grouped by environment, group, role and product, and rows whose scopes,
// quota, tier (and what it means in LINSTOR) or target changed, grouped
// by environment, role, product and change.
func Diff(base, head Matrix) []Change {
	was := map[string]Row{}
	for _, r := range base.Rows {
		was[r.Key()] = r
	}
	is := map[string]Row{}
	for _, r := range head.Rows {
		is[r.Key()] = r
	}
	g := grouper{}
	for _, r := range head.Rows {
		old, ok := was[r.Key()]
		switch {
		case !ok:
			g.add(r.Env, "gained", fmt.Sprintf("group %s (role %s) gains %s on %s", r.Group, r.Role, opsMarker, r.Product), r)
		default:
			if d := delta(old, r); d != "" {
				g.add(r.Env, "changed", fmt.Sprintf("role %s on %s: %s (%s)", r.Role, r.Product, d, opsMarker), r)
			}
		}
	}
	for _, r := range base.Rows {
		if _, ok := is[r.Key()]; !ok {
			g.add(r.Env, "lost", fmt.Sprintf("group %s (role %s) loses %s on %s", r.Group, r.Role, opsMarker, r.Product), r)
		}
	}
	return g.changes()
}

// delta describes what changed between two rows of the same access.
func delta(a, b Row) string {
	var d []string
	change := func(what, x, y string) {
		if x != y {
			d = append(d, fmt.Sprintf("%s %s -> %s", what, orNone(x), orNone(y)))
		}
	}
	change("tier", a.Tier, b.Tier)
	change("resource group", a.ResourceGroup, b.ResourceGroup)
	change("replicas", strconv.Itoa(a.Replicas), strconv.Itoa(b.Replicas))
	change("pools", strings.Join(a.Pools, " "), strings.Join(b.Pools, " "))
	change("replicas on different", strings.Join(a.Zones, " "), strings.Join(b.Zones, " "))
	change("encrypted", strconv.FormatBool(a.Encrypted), strconv.FormatBool(b.Encrypted))
	change("backup to", a.Backup.Destination(), b.Backup.Destination())
	change("backup schedule", a.Backup.Schedule(), b.Backup.Schedule())
	change("backup retention", a.Backup.Retention(), b.Backup.Retention())
	change("scopes", strings.Join(a.Scopes, " "), strings.Join(b.Scopes, " "))
	change("quota", a.Quota.String(), b.Quota.String())
	change("spike arrest", a.SpikeArrest, b.SpikeArrest)
	change("target", a.Target, b.Target)
	return strings.Join(d, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// opsMarker stands for the operations in a sentence until they are all
// known; policies cannot hold control characters.
const opsMarker = "\x00ops\x00"

// grouper collects operations under one sentence each.
type grouper struct {
	order []string
	ops   map[string][]string
	heads map[string]Change
}

// add files the row's operation under sentence (which holds opsMarker for
// the operations) in env.
func (g *grouper) add(env, kind, sentence string, r Row) {
	if g.ops == nil {
		g.ops, g.heads = map[string][]string{}, map[string]Change{}
	}
	key := env + "\x00" + kind + "\x00" + sentence
	if _, ok := g.heads[key]; !ok {
		g.order = append(g.order, key)
		g.heads[key] = Change{Env: env, Kind: kind, Text: sentence}
	}
	g.ops[key] = append(g.ops[key], r.Method+" "+r.Path)
}

// changes are the sentences with their operations, by environment, kind
// (lost first) and text.
func (g *grouper) changes() []Change {
	var out []Change
	for _, key := range g.order {
		c := g.heads[key]
		c.Text = strings.Replace(c.Text, opsMarker, strings.Join(slices.Compact(g.ops[key]), ", "), 1)
		out = append(out, c)
	}
	rank := map[string]int{"lost": 0, "changed": 1, "gained": 2}
	slices.SortStableFunc(out, func(a, b Change) int {
		if a.Env != b.Env {
			return strings.Compare(a.Env, b.Env)
		}
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] - rank[b.Kind]
		}
		return strings.Compare(a.Text, b.Text)
	})
	return out
}
