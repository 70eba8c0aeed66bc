package linstor

import (
	"slices"
	"strings"

	"github.com/LINBIT/golinstor/client"
	"github.com/lingate/lingate/schema"
)

// Bounds of a tier's replicas (policies.md: place_count 1..16).
const (
	minReplicas = 1
	maxReplicas = 16
)

// providerKinds are LINSTOR's storage provider kinds. Read-only.
var providerKinds = []string{
	"DISKLESS", "EBS_INIT", "EBS_TARGET", "FILE", "FILE_THIN", "LVM", "LVM_THIN", "REMOTE_SPDK",
	"SPDK", "STORAGE_SPACES", "STORAGE_SPACES_THIN", "ZFS", "ZFS_THIN",
}

// providerAliases are the other spellings LINSTOR accepts and rewrites. Read-only.
var providerAliases = map[string]string{"DRBD_DISKLESS": "DISKLESS", "DRBDDISKLESS": "DISKLESS", "LVMTHIN": "LVM_THIN", "ZFSTHIN": "ZFS_THIN"}

// selectFilter maps a tier's placement fields to LINSTOR's AutoSelectFilter.
// DisklessOnRemaining is set only when true; Group carries the three states.
func (c *checker) selectFilter(t *schema.Tier, layers []string) client.AutoSelectFilter {
	c.checkReplicas(t)
	pools := c.poolNames(t, "storagePools", t.StoragePools, nil)
	f := client.AutoSelectFilter{
		PlaceCount:              int32(t.Replicas),
		StoragePoolList:         pools,
		StoragePoolDisklessList: c.poolNames(t, "disklessPools", t.DisklessPools, pools),
		NotPlaceWithRsc:         c.resourceNames(t),
		ReplicasOnSame:          c.topology(t, "replicasOnSame", t.ReplicasOnSame),
		ReplicasOnDifferent:     c.topology(t, "replicasOnDifferent", t.ReplicasOnDifferent),
		LayerStack:              layers,
		ProviderList:            c.providers(t),
		DisklessOnRemaining:     t.DisklessOnRemaining != nil && *t.DisklessOnRemaining,
	}
	if len(pools) == 1 {
		f.StoragePool = pools[0]
	}
	c.checkSpread(t)
	return f
}

// checkReplicas reports a replica count outside 1..16 or too small to spread.
func (c *checker) checkReplicas(t *schema.Tier) {
	path := tierPath(t.Name, "replicas")
	if t.Replicas < minReplicas || t.Replicas > maxReplicas {
		c.fail(path, "replicas is %d; a tier keeps %d to %d replicas (LINSTOR's place_count)", t.Replicas, minReplicas, maxReplicas)
		return
	}
	if len(t.ReplicasOnDifferent) > 0 && t.Replicas < 2 {
		c.failWith(path, tierPath(t.Name, "replicasOnDifferent"),
			"replicas is %d, but replicasOnDifferent spreads replicas over different values of %s, which needs at least 2 replicas",
			t.Replicas, strings.Join(t.ReplicasOnDifferent, ", "))
	}
}

// poolNames checks storage pool names (LINSTOR: 3 to 48 bytes), duplicates, and
// names also listed in other, and returns a copy.
func (c *checker) poolNames(t *schema.Tier, field string, names, other []string) []string {
	at := func(i int) string { return tierPath(t.Name, field, i) }
	for i, n := range names {
		switch {
		case nameProblem(n, minPoolNameLen) != "":
			c.fail(at(i), "storage pool name %q %s", n, nameProblem(n, minPoolNameLen))
		case slices.Index(names, n) < i:
			c.fail(at(i), "storage pool %q is listed twice", n)
		case slices.Contains(other, n):
			c.failWith(at(i), tierPath(t.Name, "storagePools", slices.Index(other, n)),
				"storage pool %q is listed both as diskful (storagePools) and diskless (disklessPools)", n)
		}
	}
	return slices.Clone(names)
}

// resourceNames checks notPlaceWith entries as LINSTOR resource names and returns a copy.
func (c *checker) resourceNames(t *schema.Tier) []string {
	at := func(i int) string { return tierPath(t.Name, "notPlaceWith", i) }
	for i, n := range t.NotPlaceWith {
		switch {
		case nameProblem(n, minNameLen) != "":
			c.fail(at(i), "resource name %q %s", n, nameProblem(n, minNameLen))
		case strings.EqualFold(n, "all"):
			c.fail(at(i), "resource name %q is reserved by DRBD", n)
		case slices.Index(t.NotPlaceWith, n) < i:
			c.fail(at(i), "resource %q is listed twice", n)
		}
	}
	return slices.Clone(t.NotPlaceWith)
}

// topology checks replicasOnSame / replicasOnDifferent entries: a node property
// key such as Aux/zone, optionally with =value, each key once.
func (c *checker) topology(t *schema.Tier, field string, entries []string) []string {
	at := func(i int) string { return tierPath(t.Name, field, i) }
	for i, e := range entries {
		key, value, hasValue := strings.Cut(e, "=")
		switch {
		case keySyntax(key) != "":
			c.fail(at(i), "%q is not a node property key: %s", e, keySyntax(key))
		case hasValue && value == "":
			c.fail(at(i), "%q has = but no value; write %s or %s=<value>", e, key, key)
		case slices.IndexFunc(entries[:i], func(o string) bool { return topologyKey(o) == key }) >= 0:
			c.fail(at(i), "node property %s is listed twice", key)
		}
	}
	return slices.Clone(entries)
}

// topologyKey is the node property key of a replicasOn* entry.
func topologyKey(entry string) string {
	key, _, _ := strings.Cut(entry, "=")
	return key
}

// checkSpread reports a node property that replicas must share and must also spread over.
func (c *checker) checkSpread(t *schema.Tier) {
	for i, d := range t.ReplicasOnDifferent {
		j := slices.IndexFunc(t.ReplicasOnSame, func(s string) bool { return topologyKey(s) == topologyKey(d) })
		if j < 0 {
			continue
		}
		c.failWith(tierPath(t.Name, "replicasOnDifferent", i), tierPath(t.Name, "replicasOnSame", j),
			"replicasOnSame keeps every replica on one value of %s and replicasOnDifferent spreads them over different values; a tier cannot ask for both",
			topologyKey(d))
	}
}

// providers checks provider kinds and returns them in LINSTOR's spelling.
func (c *checker) providers(t *schema.Tier) []string {
	at := func(i int) string { return tierPath(t.Name, "providers", i) }
	var out []string
	for i, p := range t.Providers {
		canon, ok := canonicalProvider(p)
		switch {
		case !ok:
			c.fail(at(i), "unknown storage provider %q; LINSTOR's providers are %s", p, strings.Join(providerKinds, ", "))
		case slices.Contains(out, canon):
			c.fail(at(i), "provider %s is listed twice", canon)
		default:
			out = append(out, canon)
		}
	}
	return out
}
