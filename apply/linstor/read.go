package linstor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// PropUnreported holds, as JSON, the select filter fields that LINSTOR
// accepts but never reports on GET (node_name_list,
// storage_pool_diskless_list, additional_place_count, diskless_type,
// overprovision) as the driver last wrote them. Read puts them back, so a
// group that holds what was compiled reads back byte for byte; a change to
// them made by hand, outside lingate, cannot be seen.
const PropUnreported = cl.LingateNamespace + "select-filter"

// unreported are the select filter fields a GET never shows.
type unreported struct {
	NodeNameList            []string `json:"node_name_list,omitempty"`
	StoragePoolDisklessList []string `json:"storage_pool_diskless_list,omitempty"`
	AdditionalPlaceCount    int32    `json:"additional_place_count,omitempty"`
	DisklessType            string   `json:"diskless_type,omitempty"`
	Overprovision           *float64 `json:"overprovision,omitempty"`
}

func unreportedOf(f client.AutoSelectFilter) unreported {
	return unreported{NodeNameList: f.NodeNameList, StoragePoolDisklessList: f.StoragePoolDisklessList,
		AdditionalPlaceCount: f.AdditionalPlaceCount, DisklessType: f.DisklessType, Overprovision: f.Overprovision}
}

// stamp is the PropUnreported value for u, "" when u is empty.
func (u unreported) stamp() string {
	data, _ := json.Marshal(u)
	if string(data) == "{}" {
		return ""
	}
	return string(data)
}

func (u unreported) restore(f *client.AutoSelectFilter) {
	f.NodeNameList, f.StoragePoolDisklessList = u.NodeNameList, u.StoragePoolDisklessList
	f.AdditionalPlaceCount, f.DisklessType, f.Overprovision = u.AdditionalPlaceCount, u.DisklessType, u.Overprovision
}

// liveGroup is a resource group as the controller holds it.
type liveGroup struct {
	cl.Group
}

// managed reports whether the group carries lingate's marker for env.
func (g liveGroup) managed(env string) bool {
	return g.Props[cl.PropManagedBy] == cl.ManagedBy && g.Props[cl.PropEnvironment] == env
}

// Read lists the controller's resource groups and returns those lingate
// manages for the environment (with its marker, or left bare by a create
// that was interrupted, see PendingPrefix), and the same-named groups of
// desired that lack the marker (Foreign), each as compile writes it.
func (d *Driver) Read(ctx context.Context, desired []artifact.Object) (apply.Live, error) {
	groups, err := d.listGroups(ctx)
	if err != nil {
		return apply.Live{}, fmt.Errorf("linstor environment %s: read resource groups: %w", d.env, err)
	}
	// LINSTOR names are case-insensitive: a live group is reported under
	// the desired spelling of its name.
	want := map[string]string{}
	for _, o := range desired {
		if o.Kind == artifact.KindResourceGroup {
			want[strings.ToUpper(o.Name)] = o.Name
		}
	}
	marks, err := d.pending(ctx)
	if err != nil {
		return apply.Live{}, fmt.Errorf("linstor environment %s: %w", d.env, err)
	}
	var live apply.Live
	for _, g := range groups {
		mine := g.managed(d.env) || marks[strings.ToUpper(g.Name)]
		spelling, wanted := want[strings.ToUpper(g.Name)]
		if !mine && !wanted {
			continue
		}
		if err := d.notAnotherEnvironments(g); err != nil && wanted {
			return apply.Live{}, fmt.Errorf("linstor resource group %s: %w", g.Name, err)
		}
		if wanted {
			g.Name = spelling
		}
		obj, err := d.object(ctx, g)
		if err != nil {
			return apply.Live{}, fmt.Errorf("linstor resource group %s: read: %w", g.Name, err)
		}
		if mine {
			live.Objects = append(live.Objects, obj)
		} else {
			live.Foreign = append(live.Foreign, obj)
		}
	}
	live.Digest = digest(live)
	return live, nil
}

// listGroups reads every resource group. It asks LINSTOR directly rather
// than through golinstor, whose ResourceGroup cannot tell an unset
// diskless_on_remaining from false.
func (d *Driver) listGroups(ctx context.Context) ([]liveGroup, error) {
	var gs []cl.Group
	if err := d.do(ctx, "GET", "/v1/resource-groups", nil, &gs); err != nil {
		return nil, err
	}
	out := make([]liveGroup, len(gs))
	for i, g := range gs {
		out[i] = liveGroup{g}
	}
	return out, nil
}

// getGroup reads one resource group with its volume groups; found is false
// when the controller has none of that name.
func (d *Driver) getGroup(ctx context.Context, name string) (g liveGroup, found bool, err error) {
	err = d.do(ctx, "GET", "/v1/resource-groups/"+name, nil, &g.Group)
	if notFound(err) {
		return liveGroup{}, false, nil
	}
	if err != nil {
		return liveGroup{}, false, err
	}
	if g.VolumeGroups, err = d.c.ResourceGroups.GetVolumeGroups(ctx, name); err != nil {
		return liveGroup{}, false, fmt.Errorf("volume groups: %w", err)
	}
	return g, true, nil
}

// object reads g's volume groups and returns g as compile writes it.
func (d *Driver) object(ctx context.Context, g liveGroup) (artifact.Object, error) {
	vgs, err := d.c.ResourceGroups.GetVolumeGroups(ctx, g.Name)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("volume groups: %w", err)
	}
	g.VolumeGroups = vgs
	data, err := cl.Encode(compiledForm(g.Group))
	if err != nil {
		return artifact.Object{}, err
	}
	return artifact.Object{
		System: artifact.SystemLinstor, Kind: artifact.KindResourceGroup, Name: g.Name,
		Files: []artifact.File{{Path: cl.FilePath(g.Name), Data: data}},
	}, nil
}

// compiledForm turns a live group into compile's form: the server's normal
// form (cl.Normalize), without the stamps, with the unreported filter fields
// put back from their stamp.
func compiledForm(g cl.Group) cl.Group {
	var u unreported
	if s, ok := g.Props[PropUnreported]; ok {
		_ = json.Unmarshal([]byte(s), &u) // a stamp edited into garbage reads as none: the plan shows the difference
		props := make(map[string]string, len(g.Props))
		for k, v := range g.Props {
			if k != PropUnreported {
				props[k] = v
			}
		}
		g.Props = props
	}
	n := cl.Normalize(g)
	u.restore(&n.SelectFilter)
	return n
}

// digest identifies what Read saw, in order, managed and foreign apart.
func digest(l apply.Live) string {
	h := sha256.New()
	for _, part := range [][]artifact.Object{l.Objects, l.Foreign} {
		objs := slices.Clone(part)
		slices.SortFunc(objs, artifact.Compare)
		for _, o := range objs {
			fmt.Fprintf(h, "%s\x00%d\x00", o.Name, len(o.Files))
			for _, f := range o.Files {
				fmt.Fprintf(h, "%s\x00%d\x00", f.Path, len(f.Data))
				h.Write(f.Data)
			}
		}
		h.Write([]byte{0xff})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
