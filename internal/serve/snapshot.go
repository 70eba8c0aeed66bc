package serve

import (
	"slices"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/apply/apigee"
	"github.com/lingate/lingate/apply/linstor"
	cl "github.com/lingate/lingate/compile/linstor"
	"github.com/lingate/lingate/schema"
)

// productInfo is one lingate_product_info series.
type productInfo struct {
	Product, Proxy, BasePath, Tier, ResourceGroup string
}

// roleInfo is one lingate_role_info series.
type roleInfo struct {
	Role, Product, Tier string
}

// tierGroup names a tier's resource group and storage pools in one environment.
type tierGroup struct {
	Tier, Group string
	Pools       []string
}

// joins are what the policies say about one environment: the product,
// role and tier joins.
type joins struct {
	Products []productInfo
	Roles    []roleInfo
	Tiers    []tierGroup
	Backups  []tierBackup
}

// joinsOf reads the joins of env from the policies, sorted.
func joinsOf(cfg *schema.Config, env string) joins {
	var j joins
	for _, name := range schema.Names(cfg.Products) {
		p := cfg.Products[name]
		if !slices.Contains(p.Environments, env) {
			continue
		}
		j.Products = append(j.Products, productInfo{Product: name, Proxy: name, BasePath: p.BasePath,
			Tier: p.Tier, ResourceGroup: cl.ResourceGroupName(cfg, env, p.Tier)})
	}
	for _, name := range schema.Names(cfg.Roles) {
		r := cfg.Roles[name]
		for _, product := range schema.Names(r.Grants) {
			if p := cfg.Products[product]; p != nil && slices.Contains(p.Environments, env) {
				j.Roles = append(j.Roles, roleInfo{Role: name, Product: product, Tier: r.Tier})
			}
		}
	}
	for _, t := range cfg.TiersIn(env) {
		j.Tiers = append(j.Tiers, tierGroup{Tier: t.Name, Group: cl.ResourceGroupName(cfg, env, t.Name),
			Pools: slices.Clone(t.StoragePools)})
	}
	j.Backups = backupsOf(cfg, env)
	return j
}

// groups are the resource group names of the tiers.
func (j joins) groups() []string {
	out := make([]string, len(j.Tiers))
	for i, t := range j.Tiers {
		out[i] = t.Group
	}
	return out
}

// drifted is one managed object that differs from the policies.
type drifted struct {
	System, Kind, Name string
	// Action is what an apply would do: create, update, replace, delete,
	// or "foreign" for a same-named object lingate does not own.
	Action string
}

// systemState is the last successful read of one system of one environment.
type systemState struct {
	// Read is when it was read; zero when it never was.
	Read time.Time
	// Stale is set when the reads since have failed.
	Stale bool
	// Drift lists the objects that differ.
	Drift []drifted
	// Kinds are the object kinds the policies manage in this system,
	// so that a kind without drift reads 0.
	Kinds []string
	// Health is LINSTOR's (nil for Apigee).
	Health *linstor.Health
	// Backups are LINSTOR's last backups of the tiers that have one.
	Backups []linstor.LastBackup
	// Proxies are Apigee's (nil for LINSTOR).
	Proxies []apigee.ProxyStatus
}

// envState is everything known of one environment.
type envState struct {
	Joins   joins
	Systems map[string]*systemState
	// Ready is set once every system was read once.
	Ready bool
}

// driftOf lists the changes of a change set and the foreign objects of a
// read as drift.
func driftOf(cs apply.ChangeSet, foreign []apply.Ref) []drifted {
	var out []drifted
	for _, c := range cs.Changes {
		out = append(out, drifted{System: c.System, Kind: c.Kind, Name: c.Name, Action: string(c.Action)})
	}
	for _, r := range foreign {
		out = append(out, drifted{System: r.System, Kind: r.Kind, Name: r.Name, Action: "foreign"})
	}
	return out
}
