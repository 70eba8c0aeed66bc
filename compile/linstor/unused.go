package linstor

import "github.com/lingate/lingate/schema"

// CheckUnused reports the problems of tiers that no environment uses yet
// (bad properties, layers, volumes), which Compile never sees, so that
// validate catches them before a product puts the tier to use.
func CheckUnused(cfg *schema.Config) error {
	used := map[string]bool{}
	for _, env := range cfg.EnvironmentNames() {
		for _, t := range cfg.TiersIn(env) {
			used[t.Name] = true
		}
	}
	c := &checker{cfg: cfg}
	for _, name := range schema.Names(cfg.Tiers) {
		if !used[name] {
			c.group("", name, cfg.Tiers[name])
		}
	}
	if c.count() > 0 {
		return c.errs.Sort()
	}
	return nil
}
