package linstor

import (
	"slices"
	"sort"
	"strings"
)

// Autoplacer strategy weights (StrategyHandler with the strategies'
// default weights; the controller's Autoplacer/Weights/* props are not
// emulated): maximise free space, minimise reserved space and minimise the
// resource count. Minimised strategies weigh negatively.
const (
	weightMaxFreeSpace    = 1.0
	weightMinReserved     = -1.0
	weightMinRscCount     = -0.00001
	keyAllowMixingDrivers = "AllowMixingStoragePoolDriver"
)

// poolUsage is what the strategies read from a storage pool: the usable
// size of the volumes placed in it (MinimumReservedSpaceStrategy) and the
// number of resources using it (MinimumResourceCountStrategy).
type poolUsage struct {
	reservedKiB int64
	resources   int
}

// usage sums, per node and pool, the resources of every definition.
func (st *state) usage() map[[2]string]poolUsage {
	out := map[[2]string]poolUsage{}
	for _, rd := range st.ResourceDefs {
		size := rd.sizeKiB()
		for _, r := range rd.Resources {
			k := [2]string{key(r.Node), key(r.StorPool)}
			u := out[k]
			u.resources++
			if r.Provider != providerDiskless {
				u.reservedKiB += size
			}
			out[k] = u
		}
	}
	return out
}

// rate scores the candidates and sorts them best first, as
// StrategyHandler.rate and Selector.select do: each strategy's raw value is
// divided by its highest non-zero value and weighted; equal scores fall
// back to StorPool.compareTo (node name, then pool name).
func (s *Server) rate(cands []candidate) {
	use := s.st.usage()
	free := make([]float64, len(cands))
	reserved := make([]float64, len(cands))
	count := make([]float64, len(cands))
	for i, c := range cands {
		u := use[[2]string{key(c.node.Name), key(c.pool.Name)}]
		free[i], reserved[i], count[i] = float64(c.pool.FreeKiB), float64(u.reservedKiB), float64(u.resources)
	}
	nf, nr, nc := normalizer(free), normalizer(reserved), normalizer(count)
	for i := range cands {
		cands[i].score = weightMaxFreeSpace*nf(free[i]) + weightMinReserved*nr(reserved[i]) + weightMinRscCount*nc(count[i])
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		if a, b := key(cands[i].node.Name), key(cands[j].node.Name); a != b {
			return a < b
		}
		return key(cands[i].pool.Name) < key(cands[j].pool.Name)
	})
}

// normalizer divides a value by the highest non-zero one of values (and
// keeps it when every value is zero).
func normalizer(values []float64) func(float64) float64 {
	highest := 0.0
	for _, v := range values {
		if v != 0 && (highest == 0 || v > highest) {
			highest = v
		}
	}
	return func(v float64) float64 {
		if highest == 0 {
			return v
		}
		return v / highest
	}
}

// mixingAllowed is DeviceProviderKind.isMixingAllowed for two satellites
// whose DRBD supports mixing (every emulated satellite runs DRBD 9.2.x):
// the kinds in the "recent DRBD" column mix only when allowMixing (the
// AllowMixingStoragePoolDriver property) is true.
func mixingAllowed(kind1, kind2 string, allowMixing bool) bool {
	in := func(kinds ...string) bool { return slices.Contains(kinds, kind2) }
	var allowed, withRecentDrbd bool
	switch kind1 {
	case providerDiskless:
		allowed = true
	case "FILE", "FILE_THIN":
		allowed = in("FILE", "FILE_THIN", providerDiskless)
	case "LVM":
		allowed = in("LVM", "STORAGE_SPACES", "STORAGE_SPACES_THIN")
		withRecentDrbd = in("LVM_THIN", "ZFS", "ZFS_THIN")
	case "LVM_THIN":
		allowed = in("LVM_THIN", "STORAGE_SPACES", "STORAGE_SPACES_THIN")
		withRecentDrbd = in("LVM", "ZFS", "ZFS_THIN")
	case "SPDK", "REMOTE_SPDK":
		allowed = kind2 == kind1
	case "ZFS", "ZFS_THIN":
		allowed = in("ZFS", "ZFS_THIN", "STORAGE_SPACES", "STORAGE_SPACES_THIN")
		withRecentDrbd = in("LVM", "LVM_THIN")
	case "EBS_INIT", "EBS_TARGET":
		allowed = in("EBS_INIT", "EBS_TARGET", providerDiskless)
	case "STORAGE_SPACES", "STORAGE_SPACES_THIN":
		allowed = in("STORAGE_SPACES", "STORAGE_SPACES_THIN", "LVM", "LVM_THIN", "ZFS", "ZFS_THIN")
	}
	return allowed || (withRecentDrbd && allowMixing)
}

// allowMixing is Selector.isStorPoolMixingEnabled: the property on the
// resource definition, else its group, is "true" (the controller level,
// not emulated, defaults to false).
func (s *Server) allowMixing(rd *resourceDefinition) bool {
	return strings.EqualFold(s.prioProp(rd, keyAllowMixingDrivers, "false"), "true")
}

// prioProp reads a property as PriorityProps(RD, RG, controller) does; the
// controller level is the given default.
func (s *Server) prioProp(rd *resourceDefinition, k, dflt string) string {
	if v, ok := rd.Props[k]; ok {
		return v
	}
	if rg := s.lookupRG(rd.Group); rg != nil {
		if v, ok := rg.Props[k]; ok {
			return v
		}
	}
	return dflt
}
