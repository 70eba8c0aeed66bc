package schema

import (
	"maps"
	"slices"
	"sync"
)

// Names returns the keys of m in sorted order, so callers never depend on map order.
func Names[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// ProductsIn returns the products deployed to env, sorted by name.
func (c *Config) ProductsIn(env string) []*Product {
	var out []*Product
	for _, name := range Names(c.Products) {
		if p := c.Products[name]; slices.Contains(p.Environments, env) {
			out = append(out, p)
		}
	}
	return out
}

// RolesFor returns the roles that grant something on product, sorted by
// name. The first call indexes every role by product; the Config must not
// change after it.
func (c *Config) RolesFor(product string) []*Role {
	c.index.once.Do(func() {
		c.index.rolesByProduct = map[string][]*Role{}
		for _, name := range Names(c.Roles) {
			r := c.Roles[name]
			for p := range r.Grants {
				c.index.rolesByProduct[p] = append(c.index.rolesByProduct[p], r)
			}
		}
	})
	return c.index.rolesByProduct[product]
}

// TiersIn returns the tiers that a product or role deployed to env uses:
// the products' default tiers and their per-tier targets, and the tiers of
// roles granted on those products. The result is sorted by name.
func (c *Config) TiersIn(env string) []*Tier {
	used := map[string]bool{}
	for _, p := range c.ProductsIn(env) {
		used[p.Tier] = true
		for t := range p.Targets {
			used[t] = true
		}
		for _, r := range c.RolesFor(p.Name) {
			used[r.Tier] = true
		}
	}
	var out []*Tier
	for _, name := range Names(used) {
		if t, ok := c.Tiers[name]; ok {
			out = append(out, t)
		}
	}
	return out
}

// EnvironmentNames returns the declared environments, sorted.
func (c *Config) EnvironmentNames() []string { return Names(c.Environments) }

// index holds lookups built once from a Config.
type index struct {
	once           sync.Once
	rolesByProduct map[string][]*Role
}
