package linstor

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/LINBIT/golinstor/client"
)

// defaultPlaceCount is what LINSTOR stores for a resource group created without one.
const defaultPlaceCount = 2

// Normalize returns g in the form in which a compiled group and the group a
// LINSTOR controller reports compare equal when the controller holds what was
// compiled; apply it to both sides of a live plan. It
//   - drops what the server adds or the apply stage stamps: uuids, Internal/
//     props (such as Internal/Drbd/QuorumSetBy) and PropCommit;
//   - writes known prop values as LINSTOR stores them (DRBD booleans
//     lower-cased, LINSTOR booleans true or false, plain numbers);
//   - fills LINSTOR's defaults: place_count 2, storage_pool exactly when the
//     pool list has one entry (and as that list when only storage_pool is set);
//   - spells layers and providers as LINSTOR does;
//   - drops filter fields LINSTOR accepts but never reports (node_name_list,
//     storage_pool_diskless_list, additional_place_count, diskless_type,
//     overprovision): a live read cannot see them, while a plan between two
//     commits still shows their changes in the compiled files;
//   - takes DisklessOnRemaining from SelectFilter when only golinstor's true is set;
//   - orders volume groups by number, sorts their flags, and turns empty maps
//     and lists into nil.
//
// Normalize does not change g.
func Normalize(g Group) Group {
	dor := g.DisklessOnRemaining
	if dor == nil && g.SelectFilter.DisklessOnRemaining {
		dor = &g.SelectFilter.DisklessOnRemaining
	}
	out := Group{
		ResourceGroup: client.ResourceGroup{
			Name: g.Name, Description: g.Description, Props: normalProps(g.Props), SelectFilter: normalFilter(g.SelectFilter),
		},
		VolumeGroups: normalVolumeGroups(g.VolumeGroups),
	}
	if dor != nil {
		v := *dor
		out.DisklessOnRemaining = &v
		out.SelectFilter.DisklessOnRemaining = v
	}
	return out
}

// normalProps copies props without server-added and provenance keys, values as LINSTOR stores them.
func normalProps(props map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if strings.HasPrefix(k, "Internal/") || k == PropCommit {
			continue
		}
		if r, ok := ruleFor(k); ok {
			if nv, err := r.normalize(v); err == nil {
				v = nv
			}
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// normalFilter copies the filter fields LINSTOR reports, with its defaults and spellings.
func normalFilter(f client.AutoSelectFilter) client.AutoSelectFilter {
	out := client.AutoSelectFilter{
		PlaceCount:           cmp.Or(f.PlaceCount, defaultPlaceCount),
		StoragePoolList:      list(f.StoragePoolList),
		NotPlaceWithRsc:      list(f.NotPlaceWithRsc),
		NotPlaceWithRscRegex: f.NotPlaceWithRscRegex,
		ReplicasOnSame:       list(f.ReplicasOnSame),
		ReplicasOnDifferent:  list(f.ReplicasOnDifferent),
		LayerStack:           list(canonical(f.LayerStack, canonicalLayer)),
		ProviderList:         list(canonical(f.ProviderList, canonicalProvider)),
	}
	if len(f.XReplicasOnDifferent) > 0 {
		out.XReplicasOnDifferent = maps.Clone(f.XReplicasOnDifferent)
	}
	if len(out.StoragePoolList) == 0 && f.StoragePool != "" {
		out.StoragePoolList = []string{f.StoragePool}
	}
	if len(out.StoragePoolList) == 1 {
		out.StoragePool = out.StoragePoolList[0]
	}
	return out
}

// normalVolumeGroups copies volume groups ordered by number, without uuids and Internal/ props.
func normalVolumeGroups(vgs []client.VolumeGroup) []client.VolumeGroup {
	if len(vgs) == 0 {
		return nil
	}
	out := make([]client.VolumeGroup, len(vgs))
	for i, v := range vgs {
		out[i] = client.VolumeGroup{VolumeNumber: v.VolumeNumber, Props: normalProps(v.Props), Flags: list(v.Flags)}
		slices.Sort(out[i].Flags)
	}
	slices.SortStableFunc(out, func(a, b client.VolumeGroup) int { return cmp.Compare(a.VolumeNumber, b.VolumeNumber) })
	return out
}

// list copies s, or returns nil for an empty s.
func list(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// canonical maps each name through canon, keeping names canon does not know.
func canonical(names []string, canon func(string) (string, bool)) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if c, ok := canon(n); ok {
			out[i] = c
		}
	}
	return out
}

// canonicalProvider returns LINSTOR's name for a provider kind, accepting any case and its aliases.
func canonicalProvider(p string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(p))
	if a, ok := providerAliases[u]; ok {
		u = a
	}
	return u, slices.Contains(providerKinds, u)
}
