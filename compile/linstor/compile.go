// Package linstor compiles tiers into LINSTOR resource groups and their volume
// groups, one per tier that a product or role deployed to an environment uses,
// in LINSTOR's REST JSON and in the form the server stores (so a live plan of
// an applied group shows no changes). It also reads that JSON back (Decode) and
// puts live server JSON into the same normal form (Normalize).
package linstor

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/LINBIT/golinstor/client"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// FilePath is where the resource group file of rg lies in an environment's output folder.
func FilePath(rg string) string {
	return "linstor/resource-groups/" + rg + ".json"
}

// Compile returns one object per tier used in env (cfg.TiersIn(env)), sorted by
// resource group name, each with its file linstor/resource-groups/<rg>.json.
// Problems in the user's input come back as schema.Errors at the user's field
// paths, all of them.
func Compile(cfg *schema.Config, env string) ([]artifact.Object, error) {
	e, ok := cfg.Environments[env]
	if !ok || e == nil {
		return nil, fmt.Errorf("linstor: environment %q is not declared", env)
	}
	c := &checker{cfg: cfg}
	prefix := e.Linstor.ResourceGroupPrefix
	prefixOK := c.checkPrefix(env, prefix)
	var objs []artifact.Object
	tiers := cfg.TiersIn(env)
	for _, t := range tiers {
		nameOK := prefixOK && c.checkName(env, prefix, t.Name)
		g, ok := c.group(env, prefix+t.Name, t)
		if !ok || !nameOK {
			continue
		}
		obj, err := object(g)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	c.checkCollisions(env)
	backups, err := c.backups(env, tiers)
	if err != nil {
		return nil, err
	}
	if c.count() > 0 {
		return nil, c.errs.Sort()
	}
	slices.SortFunc(objs, func(a, b artifact.Object) int { return cmp.Compare(a.Name, b.Name) })
	return append(objs, backups...), nil
}

// object wraps a compiled group as an artifact with its one file.
func object(g Group) (artifact.Object, error) {
	data, err := Encode(g)
	if err != nil {
		return artifact.Object{}, err
	}
	return artifact.Object{
		System: artifact.SystemLinstor,
		Kind:   artifact.KindResourceGroup,
		Name:   g.Name,
		Files:  []artifact.File{{Path: FilePath(g.Name), Data: data}},
	}, nil
}

// group compiles one tier into the resource group name of env, or reports
// why it cannot and returns false.
func (c *checker) group(env, name string, t *schema.Tier) (Group, bool) {
	n := c.count()
	layers, _ := c.layerStack(t)
	g := Group{
		ResourceGroup: client.ResourceGroup{
			Name:         name,
			Description:  t.Description,
			Props:        c.props(env, t, layers),
			SelectFilter: c.selectFilter(t, layers),
		},
		VolumeGroups: c.volumeGroups(t),
	}
	if t.DisklessOnRemaining != nil {
		v := *t.DisklessOnRemaining
		g.DisklessOnRemaining = &v
	}
	return g, c.count() == n
}
