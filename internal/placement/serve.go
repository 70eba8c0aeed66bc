package placement

import (
	"context"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	cl "github.com/lingate/lingate/compile/linstor"
	"github.com/lingate/lingate/schema"
)

// TiersOf lists the tiers placement serves among envs: every tier used in
// an environment that has a placement service, with its resource group.
func TiersOf(cfg *schema.Config, envs []string) []Tier {
	var out []Tier
	for _, env := range envs {
		if e := cfg.Environments[env]; e == nil || e.Placement == nil {
			continue
		}
		for _, t := range cfg.TiersIn(env) {
			out = append(out, Tier{Env: env, Tier: t.Name, Group: cl.ResourceGroupName(cfg, env, t.Name)})
		}
	}
	return out
}

// clientDriver is what apply/linstor's Driver offers: its golinstor client.
type clientDriver interface {
	Client() *client.Client
}

// Refresher is lingate serve's hook after a LINSTOR health read: it
// refreshes env's tiers of v through the driver's client. Other drivers
// are left alone.
func Refresher(v *View) func(ctx context.Context, env string, d apply.Driver) error {
	return func(ctx context.Context, env string, d apply.Driver) error {
		cd, ok := d.(clientDriver)
		if !ok {
			return nil
		}
		return Reader{Client: cd.Client()}.Refresh(ctx, v, env)
	}
}
