package linstor

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

const (
	// Resource flags of diskless replicas and tie breakers.
	flagTieBreaker   = "TIE_BREAKER"
	flagDiskless     = "DISKLESS"
	flagDrbdDiskless = "DRBD_DISKLESS"
)

// candidate is a storage pool the autoplacer may put a replica in.
type candidate struct {
	node *node
	pool *storagePool
}

// autoplace places the missing diskful replicas of rd on pools that satisfy
// f, as CtrlRscAutoPlaceApiCallHandler does, or fails with
// FAIL_NOT_ENOUGH_NODES. It then adds a tie breaker or diskless replicas.
func (s *Server) autoplace(rd *resourceDefinition, f *filterChange) ([]apiCallRc, error) {
	if len(rd.LayerStack) == 0 {
		rd.LayerStack = []string{"DRBD", "STORAGE"}
	}
	if err := checkLayerStack(rd.LayerStack); err != nil {
		return nil, err
	}
	want := int(*f.PlaceCount) - len(diskfulOf(rd))
	if want <= 0 && !isTrue(f.DisklessOnRemaining) {
		return []apiCallRc{alreadyDeployed(rd)}, nil
	}
	size := rd.sizeKiB()
	cands, err := s.candidates(rd, f, size)
	if err != nil {
		return nil, err
	}
	p := s.newPlacement(rd, f)
	if !p.search(cands, want) {
		return nil, notEnoughNodes(f, want, size, rd.Name)
	}
	s.deploy(rd, p.chosen)
	rcs := []apiCallRc{placedEntry(rd.Name, p.chosen)}
	if isTrue(f.DisklessOnRemaining) {
		s.deployDiskless(rd, []string{flagDiskless, flagDrbdDiskless})
	} else {
		s.manageTieBreaker(rd)
	}
	return append(rcs, readyEntries(rd)...), nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// checkLayerStack is LayerUtils.isLayerKindStackAllowed: no duplicates, DRBD
// only on top, LUKS only above STORAGE, STORAGE last.
func checkLayerStack(stack []string) error {
	children := map[string][]string{
		"":           {"DRBD", "LUKS", "STORAGE", "NVME", "WRITECACHE", "CACHE", "BCACHE"},
		"DRBD":       {"NVME", "LUKS", "STORAGE", "WRITECACHE", "CACHE", "BCACHE"},
		"LUKS":       {"STORAGE"},
		"NVME":       {"LUKS", "STORAGE", "WRITECACHE", "CACHE", "BCACHE"},
		"WRITECACHE": {"NVME", "LUKS", "STORAGE", "CACHE", "BCACHE"},
		"CACHE":      {"NVME", "LUKS", "STORAGE", "WRITECACHE", "BCACHE"},
		"BCACHE":     {"NVME", "LUKS", "STORAGE", "WRITECACHE"},
	}
	prev, seen := "", map[string]bool{}
	for _, l := range stack {
		if seen[l] || !slices.Contains(children[prev], l) {
			return layerStackError(stack)
		}
		seen[l], prev = true, l
	}
	if prev != "STORAGE" {
		return layerStackError(stack)
	}
	return nil
}

func layerStackError(stack []string) error {
	return fail(failInvldLayerStack, fmt.Sprintf("The layer stack [%s] is invalid", strings.Join(stack, ", "))).reported()
}

func diskfulOf(rd *resourceDefinition) []*resource {
	var out []*resource
	for _, k := range sortedKeys(rd.Resources) {
		if r := rd.Resources[k]; !slices.Contains(r.Flags, flagDiskless) {
			out = append(out, r)
		}
	}
	return out
}

func (rd *resourceDefinition) sizeKiB() int64 {
	var sum int64
	for _, vd := range rd.Volumes {
		sum += vd.SizeKiB
	}
	return sum
}

func alreadyDeployed(rd *resourceDefinition) apiCallRc {
	var names []string
	for _, r := range diskfulOf(rd) {
		names = append(names, "'"+r.Node+"'")
	}
	return apiCallRc{RetCode: maskInfo,
		Message: fmt.Sprintf("Resource '%s' was already deployed on %d nodes: %s.", rd.Name, len(names), strings.Join(names, ", "))}
}

// candidates lists the diskful pools the filter allows (StorPoolFilter),
// best first: most free space, then node and pool name.
func (s *Server) candidates(rd *resourceDefinition, f *filterChange, size int64) ([]candidate, error) {
	var avoid *regexp.Regexp
	if f.NotPlaceWithRegex != nil && *f.NotPlaceWithRegex != "" {
		re, err := regexp.Compile("(?i)" + *f.NotPlaceWithRegex)
		if err != nil {
			return nil, fail(failUnknownError, "Invalid not_place_with_rsc_regex: "+err.Error()).reported()
		}
		avoid = re
	}
	nodes, pools, providers := newNameSet(f.NodeNames), newNameSet(f.StoragePools), newNameSet(f.Providers)
	var out []candidate
	for _, n := range s.st.sortedNodes() {
		if !nodes.match(n.Name) || s.hasConflict(n, rd, f.NotPlaceWith, avoid) {
			continue
		}
		for _, sp := range n.sortedPools() {
			if sp.Provider != providerDiskless && pools.match(sp.Name) && providers.match(sp.Provider) &&
				sp.FreeKiB >= size {
				out = append(out, candidate{node: n, pool: sp})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pool.FreeKiB > out[j].pool.FreeKiB })
	return out, nil
}

// hasConflict reports whether node n already has a diskful replica of rd
// or a resource the filter must not be placed with.
func (s *Server) hasConflict(n *node, rd *resourceDefinition, notWith []string, avoid *regexp.Regexp) bool {
	if r, ok := rd.Resources[key(n.Name)]; ok && !slices.Contains(r.Flags, flagTieBreaker) {
		return true
	}
	avoidNames := newNameSet(notWith)
	for _, other := range s.st.ResourceDefs {
		if _, ok := other.Resources[key(n.Name)]; !ok || other == rd {
			continue
		}
		if (len(avoidNames) > 0 && avoidNames.match(other.Name)) || (avoid != nil && avoid.MatchString(other.Name)) {
			return true
		}
	}
	return false
}

// deploy creates the chosen diskful replicas; a tie breaker on a chosen node
// becomes diskful. Thick pools lose the space.
func (s *Server) deploy(rd *resourceDefinition, chosen []candidate) {
	for _, c := range chosen {
		rd.Resources[key(c.node.Name)] = &resource{Node: c.node.Name, StorPool: c.pool.Name,
			Provider: c.pool.Provider, UUID: newUUID(), CreatedMs: s.now().UnixMilli()}
		if thick(c.pool.Provider) {
			c.pool.FreeKiB -= rd.sizeKiB()
		}
	}
}

func thick(provider string) bool {
	return provider == "LVM" || provider == "ZFS" || provider == "FILE"
}

// deployDiskless puts a diskless replica on every remaining node with a
// diskless pool (diskless_on_remaining).
func (s *Server) deployDiskless(rd *resourceDefinition, flags []string) {
	for _, n := range s.st.sortedNodes() {
		if _, ok := rd.Resources[key(n.Name)]; ok {
			continue
		}
		if _, ok := n.Pools[key(dfltDisklessPool)]; ok {
			rd.Resources[key(n.Name)] = &resource{Node: n.Name, StorPool: dfltDisklessPool,
				Provider: providerDiskless, UUID: newUUID(), CreatedMs: s.now().UnixMilli(), Flags: slices.Clone(flags)}
		}
	}
}

// manageTieBreaker keeps a diskless DRBD tie breaker exactly while a DRBD
// resource has two diskful replicas, unless auto-add-quorum-tiebreaker is
// false on the resource definition or its group.
func (s *Server) manageTieBreaker(rd *resourceDefinition) {
	for k, r := range rd.Resources {
		if slices.Contains(r.Flags, flagTieBreaker) {
			delete(rd.Resources, k)
		}
	}
	if !slices.Contains(rd.LayerStack, "DRBD") || len(diskfulOf(rd)) != 2 || !s.tieBreakerEnabled(rd) {
		return
	}
	for _, n := range s.st.sortedNodes() {
		if _, ok := rd.Resources[key(n.Name)]; ok {
			continue
		}
		if _, ok := n.Pools[key(dfltDisklessPool)]; ok {
			rd.Resources[key(n.Name)] = &resource{Node: n.Name, StorPool: dfltDisklessPool, Provider: providerDiskless,
				UUID: newUUID(), CreatedMs: s.now().UnixMilli(), Flags: []string{flagDiskless, flagDrbdDiskless, flagTieBreaker}}
			return
		}
	}
}

func (s *Server) tieBreakerEnabled(rd *resourceDefinition) bool {
	const k = "DrbdOptions/auto-add-quorum-tiebreaker"
	if v, ok := rd.Props[k]; ok {
		return v != "false"
	}
	if rg := s.lookupRG(rd.Group); rg != nil {
		if v, ok := rg.Props[k]; ok {
			return v != "false"
		}
	}
	return true
}

// placedEntry is the "successfully autoplaced" entry.
func placedEntry(rdName string, chosen []candidate) apiCallRc {
	refs := map[string]string{}
	used := make([]string, len(chosen))
	for i, c := range chosen {
		refs[fmt.Sprintf("Node/%d", i)] = c.node.Name
		refs[fmt.Sprintf("StoragePool/%d/0", i)] = c.pool.Name + "," + c.pool.Provider
		used[i] = c.node.Name + " (" + c.pool.Name + ")"
	}
	return apiCallRc{RetCode: rcCreated, ObjRefs: refs,
		Message: fmt.Sprintf("Resource '%s' successfully autoplaced on %d nodes", rdName, len(chosen)),
		Details: "Used nodes (storage pool name): '" + strings.Join(used, "', '") + "'"}
}

// readyEntries report each replica as deployed, as the satellites' answers do.
func readyEntries(rd *resourceDefinition) []apiCallRc {
	var rcs []apiCallRc
	for _, k := range sortedKeys(rd.Resources) {
		r := rd.Resources[k]
		rcs = append(rcs, apiCallRc{RetCode: maskRsc | rcCreated,
			Message: fmt.Sprintf("Resource '%s' on '%s' ready", rd.Name, r.Node),
			ObjRefs: map[string]string{"RscDfn": rd.Name, "Node": r.Node}})
	}
	return rcs
}

// notEnoughNodes is failNotEnoughCandidates with the criteria in the details.
func notEnoughNodes(f *filterChange, want int, size int64, rdName string) error {
	var sb strings.Builder
	sb.WriteString("Not enough nodes fulfilling the following auto-place criteria:\n")
	if len(f.StoragePools) > 0 {
		fmt.Fprintf(&sb, " * has a deployed storage pool named [%s]\n", strings.Join(f.StoragePools, ", "))
		fmt.Fprintf(&sb, " * the storage pools have to have at least '%d' free space\n", size)
	}
	sb.WriteString(" * the current access context has enough privileges to use the node and the storage pool\n")
	sb.WriteString(" * the node is online\n\nAuto-place configuration details:\n")
	sb.WriteString(helpString(f, want, rdName))
	return fail(failNotEnoughNodes, "Not enough available nodes").with("", sb.String(), "")
}

// helpString is AutoSelectFilterApi.asHelpString with a three-space indent.
func helpString(f *filterChange, want int, rdName string) string {
	var lines []string
	add := func(label string, v string) { lines = append(lines, "   "+label+": "+v) }
	add("Replica count", fmt.Sprint(*f.PlaceCount))
	add("Additional replica count", fmt.Sprint(want))
	addList := func(label string, l []string) {
		if len(l) > 0 {
			add(label, strings.Join(l, ", "))
		}
	}
	addList("Node name", f.NodeNames)
	addList("Storage pool name", f.StoragePools)
	addList("Storage pool diskless name", f.DisklessPools)
	addList("Do not place with resource", append(slices.Clone(f.NotPlaceWith), rdName))
	if f.NotPlaceWithRegex != nil {
		add("Do not place with resource (regex)", *f.NotPlaceWithRegex)
	}
	addList("Replicas on nodes with same property", f.ReplicasOnSame)
	addList("Replicas on nodes with different property", f.ReplicasOnDifferent)
	for _, k := range sortedKeys(f.XReplicasOnDiff) {
		add("X replicas on nodes with different property", fmt.Sprintf("%s=%d", k, f.XReplicasOnDiff[k]))
	}
	addList("Layer stack", f.LayerStack)
	addList("Allowed Provider", f.Providers)
	if f.DisklessOnRemaining != nil {
		add("Diskless on remaining", fmt.Sprint(*f.DisklessOnRemaining))
	}
	return strings.Join(lines, "\n")
}
