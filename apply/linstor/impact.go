package linstor

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// spawned is one resource definition of a group: its volumes' total size,
// its resources other than tie breakers (what a place count raise is
// measured against) and of those the diskful ones.
type spawned struct {
	name    string
	sizeKiB int64
	placed  int
	diskful int
}

// usage counts the resource definitions that use group rg (LINSTOR has no
// server-side filter, so all are listed) and returns their names.
func (d *Driver) usage(ctx context.Context, rg string) (int, []string, error) {
	rds, err := d.c.ResourceDefinitions.GetAll(ctx, client.RDGetAllRequest{})
	if err != nil {
		return 0, nil, fmt.Errorf("list resource definitions: %w", err)
	}
	var names []string
	for _, rd := range rds {
		if strings.EqualFold(rd.ResourceGroupName, rg) {
			names = append(names, rd.Name)
		}
	}
	slices.Sort(names)
	return len(names), names, nil
}

// spawnedFrom reads the resource definitions of rg with their sizes and replicas.
func (d *Driver) spawnedFrom(ctx context.Context, rg string) ([]spawned, error) {
	rds, err := d.c.ResourceDefinitions.GetAll(ctx, client.RDGetAllRequest{WithVolumeDefinitions: true})
	if err != nil {
		return nil, fmt.Errorf("list resource definitions: %w", err)
	}
	var out []spawned
	index := map[string]int{}
	for _, rd := range rds {
		if !strings.EqualFold(rd.ResourceGroupName, rg) {
			continue
		}
		s := spawned{name: rd.Name}
		for _, vd := range rd.VolumeDefinitions {
			s.sizeKiB += int64(vd.SizeKib)
		}
		index[strings.ToUpper(rd.Name)] = len(out)
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, nil
	}
	rscs, err := d.c.Resources.GetResourceView(ctx)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	for _, r := range rscs {
		i, ok := index[strings.ToUpper(r.Name)]
		if !ok || slices.Contains(r.Flags, "TIE_BREAKER") {
			continue
		}
		out[i].placed++
		if diskful(r.Flags) {
			out[i].diskful++
		}
	}
	return out, nil
}

// diskful reports whether a resource with these flags holds data.
func diskful(flags []string) bool {
	for _, f := range flags {
		switch f {
		case "DISKLESS", "DRBD_DISKLESS", "NVME_INITIATOR", "TIE_BREAKER":
			return false
		}
	}
	return true
}

// Impact says what an update, replace or delete of a group does to the
// resource definitions already spawned from it, with counts and sizes, as
// LINSTOR behaves: a place count raise autoplaces new replicas during the
// modify; a lowering removes nothing at once (the controller's balance
// task removes excess diskful replicas later, after its grace period);
// placement changes (storage pools, providers, replica topology) and layer
// stacks affect only what is placed from then on; DRBD options and other
// props are inherited live by existing resources, except those used only
// when a resource is created. It is "" for a create and for a group that
// nothing was spawned from.
func (d *Driver) Impact(ctx context.Context, c apply.Change, live, desired artifact.Object) (string, error) {
	if slices.Contains(backupKinds, c.Kind) {
		return backupImpact(c, live, desired), nil
	}
	if c.Action == apply.Create {
		return "", nil
	}
	rds, err := d.spawnedFrom(ctx, c.Name)
	if err != nil || len(rds) == 0 {
		return "", wrapImpact(c, err)
	}
	total, replicas := totals(rds)
	head := fmt.Sprintf("%s: %s spawned from it (%s of volumes, %s)",
		c.Name, count(len(rds), "resource definition"), size(total), count(replicas, "diskful replica"))
	if c.Action == apply.Delete {
		return head + ": LINSTOR refuses to delete the group while they use it", nil
	}
	have, err := decodeDesired(live)
	if err != nil {
		return "", wrapImpact(c, err)
	}
	want, err := decodeDesired(desired)
	if err != nil {
		return "", wrapImpact(c, err)
	}
	var lines []string
	if c.Action == apply.Replace {
		lines = append(lines, "the number of volume groups changes, which LINSTOR allows only for a group no resource definition uses: the apply refuses it until they are moved or deleted")
	}
	lines = append(lines, placeCountImpact(have, want, rds)...)
	lines = append(lines, placementImpact(have, want, total)...)
	lines = append(lines, propsImpact(have, want, len(rds), replicas)...)
	lines = append(lines, sizeImpact(have, want)...)
	if len(lines) == 0 {
		return "", nil
	}
	return head + ":\n  - " + strings.Join(lines, "\n  - "), nil
}

func wrapImpact(c apply.Change, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("linstor resource group %s: impact: %w", c.Name, err)
}

func totals(rds []spawned) (kib int64, replicas int) {
	for _, r := range rds {
		kib += r.sizeKiB
		replicas += r.diskful
	}
	return kib, replicas
}

// placeCountImpact explains a place count change. A raise autoplaces for
// every resource definition with fewer resources than the new count,
// diskless ones counted (LINSTOR's modify compares the count of resources
// that are not tie breakers); the balance task removes diskful replicas
// beyond the count.
func placeCountImpact(have, want cl.Group, rds []spawned) []string {
	from, to := placeCount(have), placeCount(want)
	var n int
	var kib int64
	for _, r := range rds {
		delta := to - r.placed
		if from > to {
			delta = r.diskful - to
		}
		if delta > 0 {
			n += delta
			kib += int64(delta) * r.sizeKiB
		}
	}
	switch {
	case to > from && n == 0:
		return []string{fmt.Sprintf("place count %d → %d: every resource definition already has %d resources or more (diskless ones count); none is added", from, to, to)}
	case to > from:
		return []string{fmt.Sprintf("place count %d → %d: LINSTOR places %d more replicas during the change (%s more data to replicate, written before the change returns)", from, to, n, size(kib))}
	case to < from && n > 0:
		return []string{fmt.Sprintf("place count %d → %d: the change removes nothing at once; LINSTOR's balance task later removes %d excess diskful replicas (%s), after its grace period (BalanceResourcesGracePeriod, 1 hour by default) unless BalanceResourcesEnabled is false", from, to, n, size(kib))}
	case to < from:
		return []string{fmt.Sprintf("place count %d → %d: no resource definition has more than %d diskful replicas; none is removed", from, to, to)}
	}
	return nil
}

func placeCount(g cl.Group) int {
	if g.SelectFilter.PlaceCount == 0 {
		return 2
	}
	return int(g.SelectFilter.PlaceCount)
}

// placementImpact explains changes of where replicas go and of layers.
func placementImpact(have, want cl.Group, total int64) []string {
	h, w := have.SelectFilter, want.SelectFilter
	fields := []struct {
		name       string
		before, at any
	}{
		{"storage pools", h.StoragePoolList, w.StoragePoolList},
		{"diskless storage pools", h.StoragePoolDisklessList, w.StoragePoolDisklessList},
		{"providers", h.ProviderList, w.ProviderList},
		{"replicas on same", h.ReplicasOnSame, w.ReplicasOnSame},
		{"replicas on different", h.ReplicasOnDifferent, w.ReplicasOnDifferent},
		{"replicas per distinct value", h.XReplicasOnDifferent, w.XReplicasOnDifferent},
		{"not placed with", h.NotPlaceWithRsc, w.NotPlaceWithRsc},
		{"not placed with (regex)", h.NotPlaceWithRscRegex, w.NotPlaceWithRscRegex},
		{"nodes", h.NodeNameList, w.NodeNameList},
		{"diskless on remaining", have.DisklessOnRemaining, want.DisklessOnRemaining},
	}
	var changed []string
	for _, f := range fields {
		if !reflect.DeepEqual(f.before, f.at) {
			changed = append(changed, f.name)
		}
	}
	var out []string
	if len(changed) > 0 {
		out = append(out, fmt.Sprintf("%s changed: existing replicas stay where they are (%s of volumes are not moved); only replicas placed from now on follow the new filter",
			strings.Join(changed, ", "), size(total)))
	}
	if !reflect.DeepEqual(h.LayerStack, w.LayerStack) {
		out = append(out, fmt.Sprintf("layer stack %s → %s: existing resource definitions keep their layers; only new ones are built with it",
			layers(h.LayerStack), layers(w.LayerStack)))
	}
	return out
}

func layers(s []string) string {
	if len(s) == 0 {
		return "(default)"
	}
	return strings.Join(s, ",")
}

// creationOnly are props LINSTOR reads only when a resource is created.
var creationOnly = []string{"FileSystem/", "PeerSlotsNewResource", "StorPoolName", "StorPoolNameDrbdMeta", "Autoplacer/"}

// propsImpact explains changed props: resource groups pass them on live.
func propsImpact(have, want cl.Group, rds, replicas int) []string {
	set, del := propChanges(have.Props, want.Props)
	keys := append(slices.Collect(maps.Keys(set)), del...)
	slices.Sort(keys)
	var drbd, creation, other []string
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, cl.LingateNamespace):
		case strings.HasPrefix(k, "DrbdOptions/"):
			drbd = append(drbd, k)
		case slices.ContainsFunc(creationOnly, func(p string) bool { return k == p || strings.HasSuffix(p, "/") && strings.HasPrefix(k, p) }):
			creation = append(creation, k)
		default:
			other = append(other, k)
		}
	}
	var out []string
	if len(drbd) > 0 {
		out = append(out, fmt.Sprintf("DRBD options %s apply at once to the %d existing resource definitions (%d diskful replicas): LINSTOR pushes the new configuration to their satellites",
			strings.Join(drbd, ", "), rds, replicas))
	}
	if len(creation) > 0 {
		out = append(out, fmt.Sprintf("%s are used only when resources are created: the existing ones are not changed", strings.Join(creation, ", ")))
	}
	if len(other) > 0 {
		out = append(out, fmt.Sprintf("%s are inherited at once by the %d existing resource definitions", strings.Join(other, ", "), rds))
	}
	return out
}

// size writes a size in KiB with a binary unit.
func size(kib int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := float64(kib)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// sizeImpact explains changed volume sizes and removed volume groups: a
// group change never resizes or deletes the volumes already spawned.
func sizeImpact(have, want cl.Group) []string {
	sizes := map[int32]string{}
	for _, vg := range have.VolumeGroups {
		sizes[vg.VolumeNumber] = vg.Props[cl.PropSize]
	}
	var out []string
	for _, vg := range want.VolumeGroups {
		before, ok := sizes[vg.VolumeNumber]
		delete(sizes, vg.VolumeNumber)
		if now := vg.Props[cl.PropSize]; ok && before != now {
			out = append(out, fmt.Sprintf("volume %d size %s → %s: existing volumes keep their size (changing a resource group never resizes volumes)",
				vg.VolumeNumber, orNone(before), orNone(now)))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(sizes)) {
		out = append(out, fmt.Sprintf("volume group %d removed: the volumes already spawned stay; only resource definitions spawned from now on lack it", n))
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
