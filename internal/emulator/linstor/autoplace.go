package linstor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

const (
	// Resource flags of diskless replicas and tie breakers.
	flagTieBreaker   = "TIE_BREAKER"
	flagDiskless     = "DISKLESS"
	flagDrbdDiskless = "DRBD_DISKLESS"
)

// candidate is a storage pool the autoplacer may put a replica in, with
// its strategy score.
type candidate struct {
	node  *node
	pool  *storagePool
	score float64
}

// autoplaceCtx is the response context of CtrlRscAutoPlaceApiCallHandler.autoPlace.
func autoplaceCtx(rdName string) respCtx {
	return respCtx{op: maskCrt, obj: maskRsc, descr: "Auto-placing resource: " + rdName,
		objRefs: map[string]string{"RscDfn": rdName}}
}

// autoplace places the missing diskful replicas of rd on pools that satisfy
// f, as CtrlRscAutoPlaceApiCallHandler.autoPlaceInTransaction does, or fails
// with FAIL_NOT_ENOUGH_NODES. It then adds diskless replicas or lets the
// tie breaker helper run. c is the context of the calling API (spawn passes
// its own, like the controller).
func (s *Server) autoplace(rd *resourceDefinition, f *autoSelectFilter, c respCtx) ([]apiCallRc, error) {
	if len(rd.LayerStack) == 0 {
		rd.LayerStack = []string{"DRBD", "STORAGE"}
	}
	if err := checkLayerStack(rd.LayerStack); err != nil {
		return nil, err
	}
	want := int(*f.PlaceCount) - len(diskfulOf(rd))
	if want <= 0 && !isTrue(f.DisklessOnRemaining) {
		return []apiCallRc{c.add(alreadyDeployed(rd), true)}, nil
	}
	size := rd.sizeKiB()
	cands, err := s.candidates(rd, f, size, false)
	if err != nil {
		return nil, err
	}
	chosen, ok := s.selectBest(rd, f, cands, want)
	if !ok {
		return nil, notEnoughNodes(f, want, size, rd.Name)
	}
	s.deploy(rd, chosen)
	deployed := make([]string, 0, len(chosen))
	for _, ch := range chosen {
		deployed = append(deployed, ch.node.Name)
	}
	rcs := []apiCallRc{c.add(placedEntry(rd.Name, chosen), false)}
	if isTrue(f.DisklessOnRemaining) {
		deployed = append(deployed, s.deployClients(rd)...)
	}
	rcs = append(rcs, c.all(s.manageTieBreaker(rd), false)...)
	return append(rcs, deployEntries(rd, deployed, c)...), nil
}

// selectBest is Selector.select: a selection is searched from every start
// index of the rated candidates and the one with the highest summed score
// wins; the search stops when the best remaining scores cannot beat it.
func (s *Server) selectBest(rd *resourceDefinition, f *autoSelectFilter, cands []candidate, want int) ([]candidate, bool) {
	if want <= 0 {
		return nil, true
	}
	var best []candidate
	bestScore := 0.0
	for start := 0; start+want <= len(cands); start++ {
		if best != nil && topScore(cands[start:], want) <= bestScore {
			break
		}
		p := s.newPlacement(rd, f)
		if !p.searchFrom(cands, start, want) {
			continue
		}
		if sc := topScore(p.chosen, len(p.chosen)); best == nil || sc > bestScore {
			best, bestScore = p.chosen, sc
		}
	}
	return best, best != nil
}

// topScore sums the scores of the first n candidates.
func topScore(cands []candidate, n int) float64 {
	sum := 0.0
	for _, c := range cands[:n] {
		sum += c.score
	}
	return sum
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

// alreadyDeployed is makeAlreadyDeployedResponse.
func alreadyDeployed(rd *resourceDefinition) apiCallRc {
	var names []string
	for _, r := range diskfulOf(rd) {
		names = append(names, r.Node)
	}
	return apiCallRc{RetCode: warnRscAlreadyDeployed,
		Message: fmt.Sprintf("Resource '%s' was already deployed on %d nodes. Skipping.", rd.Name, len(names)),
		Details: "Used nodes: '" + strings.Join(names, "', '") + "'"}
}

// candidates lists the pools the filter allows (StorPoolFilter.filter),
// rated best first. Diskful candidates need the free space; diskless ones
// (a tie breaker) come from diskless pools. A node qualifies only if it has
// every replicas_on_same property, with the fixed value when there is one.
func (s *Server) candidates(rd *resourceDefinition, f *autoSelectFilter, size int64, diskless bool) ([]candidate, error) {
	var avoid *regexp.Regexp
	if f.NotPlaceWithRscRegex != nil && *f.NotPlaceWithRscRegex != "" {
		re, err := regexp.Compile("(?i)" + *f.NotPlaceWithRscRegex)
		if err != nil {
			return nil, fail(failUnknownError, "Invalid not_place_with_rsc_regex: "+err.Error()).reported()
		}
		avoid = re
	}
	poolNames := f.StoragePoolList
	if diskless {
		poolNames = f.StoragePoolDisklessList
	}
	nodes, pools, providers := newNameSet(f.NodeNameList), newNameSet(poolNames), newNameSet(f.ProviderList)
	same, err := s.fixedSame(rd, f)
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, n := range s.st.sortedNodes() {
		if !nodes.match(n.Name) || !hasSame(n, same) || s.hasConflict(n, rd, f.NotPlaceWithRsc, avoid, diskless) {
			continue
		}
		for _, sp := range n.sortedPools() {
			if (sp.Provider == providerDiskless) == diskless && pools.match(sp.Name) && providers.match(sp.Provider) &&
				(diskless || sp.FreeKiB >= size) {
				out = append(out, candidate{node: n, pool: sp})
			}
		}
	}
	s.rate(out)
	return out, nil
}

// fixedSame is StorPoolFilter.extractFixedSameProperties: each
// replicas_on_same key with the value a "key=value" entry fixes, or else the
// one value the nodes of rd's replicas have ("" while undecided). Replicas
// on nodes with different values make the placement undecidable.
func (s *Server) fixedSame(rd *resourceDefinition, f *autoSelectFilter) (map[string]string, error) {
	same := map[string]string{}
	for _, entry := range f.ReplicasOnSame {
		if k, v, ok := strings.Cut(entry, "="); ok {
			same[k] = v
			continue
		}
		var values []string
		for _, k := range sortedKeys(rd.Resources) {
			if v, ok := s.st.Nodes[key(rd.Resources[k].Node)].Props[entry]; ok && !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		if len(values) > 1 {
			return nil, fail(failUndecidableAutoplace, fmt.Sprintf("The property in --replicas-on-same '%s' is already set "+
				"on already deployed nodes with different values. Autoplacer cannot decide which value to continue with. "+
				"Linstor found the following conflicting values: [%s]", entry, strings.Join(values, ", ")))
		}
		same[entry] = strings.Join(values, "")
	}
	return same, nil
}

// hasSame reports whether n has every replicas_on_same property, with the
// fixed value where one is fixed.
func hasSame(n *node, same map[string]string) bool {
	for k, v := range same {
		nv, ok := n.Props[k]
		if !ok || (v != "" && nv != v) {
			return false
		}
	}
	return true
}

// hasConflict reports whether node n already has a replica of rd (a
// diskless one does not count for a diskful placement: the autoplacer skips
// the already-placed check on diskless nodes and gives them a disk) or a
// resource the filter must not be placed with.
func (s *Server) hasConflict(n *node, rd *resourceDefinition, notWith []string, avoid *regexp.Regexp, diskless bool) bool {
	if r, ok := rd.Resources[key(n.Name)]; ok && (diskless || !slices.Contains(r.Flags, flagDiskless)) {
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

// deployClients puts a diskless DRBD client (no quorum vote) on every
// remaining node with a diskless pool, as diskless_on_remaining does, and
// returns those nodes.
func (s *Server) deployClients(rd *resourceDefinition) []string {
	var added []string
	for _, n := range s.st.sortedNodes() {
		if _, ok := rd.Resources[key(n.Name)]; ok {
			continue
		}
		if _, ok := n.Pools[key(dfltDisklessPool)]; ok {
			rd.Resources[key(n.Name)] = &resource{Node: n.Name, StorPool: dfltDisklessPool, Provider: providerDiskless,
				UUID: newUUID(), CreatedMs: s.now().UnixMilli(), Flags: []string{flagDiskless, flagDrbdDiskless}, Client: true}
			added = append(added, n.Name)
		}
	}
	return added
}

// manageTieBreaker is CtrlRscAutoTieBreakerHelper.manage for a definition
// whose replicas just changed: a diskless DRBD tie breaker exists exactly
// while auto-add-quorum-tiebreaker is true (the controller's default), the
// definition uses DRBD, and shouldTieBreakerExist holds. It returns the
// helper's entries.
func (s *Server) manageTieBreaker(rd *resourceDefinition) []apiCallRc {
	var tieBreaker string
	for k, r := range rd.Resources {
		if slices.Contains(r.Flags, flagTieBreaker) {
			tieBreaker = k
		}
	}
	should := slices.Contains(rd.LayerStack, "DRBD") && s.tieBreakerEnabled(rd) && s.shouldTieBreakerExist(rd)
	switch {
	case should && tieBreaker == "":
		return []apiCallRc{s.addTieBreaker(rd)}
	case !should && tieBreaker != "":
		delete(rd.Resources, tieBreaker)
		return []apiCallRc{{RetCode: infoTieBreakerDeleting, Message: "Tie breaker marked for deletion"}}
	}
	return nil
}

// tieBreakerEnabled reads DrbdOptions/auto-add-quorum-tiebreaker by
// priority; the controller sets it to True in its own properties.
func (s *Server) tieBreakerEnabled(rd *resourceDefinition) bool {
	return strings.EqualFold(s.prioProp(rd, "DrbdOptions/auto-add-quorum-tiebreaker", "True"), "true")
}

// shouldTieBreakerExist: quorum is majority (the default) or managed by
// LINSTOR (QuorumSetBy not "user"), the diskful count is even and at least
// two, and no diskless replica exists that the autoplacer could have chosen
// as a tie breaker (one on a node the group's filter allows; DRBD clients,
// such as diskless_on_remaining creates, have no vote and do not count).
func (s *Server) shouldTieBreakerExist(rd *resourceDefinition) bool {
	quorum := strings.EqualFold(s.prioProp(rd, keyQuorum, "majority"), "majority")
	byLinstor := strings.EqualFold(s.prioProp(rd, keyQuorumSetBy, "linstor"), "linstor")
	if !quorum && !byLinstor {
		return false
	}
	diskful, eligible := len(diskfulOf(rd)), 0
	p := s.newPlacement(rd, s.groupFilter(rd))
	for _, r := range rd.Resources {
		if !slices.Contains(r.Flags, flagDiskless) || slices.Contains(r.Flags, flagTieBreaker) || r.Client {
			continue
		}
		n := s.st.Nodes[key(r.Node)]
		if p.allowed(candidate{node: n, pool: n.Pools[key(r.StorPool)]}) {
			eligible++
		}
	}
	return diskful >= 2 && diskful%2 == 0 && eligible == 0
}

// groupFilter is the stored filter of rd's group as a change.
func (s *Server) groupFilter(rd *resourceDefinition) *autoSelectFilter {
	if rg := s.lookupRG(rd.Group); rg != nil {
		return rg.Filter.change()
	}
	return newSelectFilter(nil).change()
}

// addTieBreaker autoplaces one diskless replica with the group's filter
// (getStorPoolForTieBreaker: diskful pool names ignored, every
// x_replicas_on_different count 1) or warns that no node qualifies.
func (s *Server) addTieBreaker(rd *resourceDefinition) apiCallRc {
	f := s.groupFilter(rd)
	f.StoragePoolList, f.NodeNameList = nil, nil
	if len(f.XReplicasOnDifferent) > 0 {
		ones := map[string]int{}
		for k := range f.XReplicasOnDifferent {
			ones[k] = 1
		}
		f.XReplicasOnDifferent = ones
	}
	cands, err := s.candidates(rd, f, 0, true)
	var chosen []candidate
	if err == nil {
		chosen, _ = s.selectBest(rd, f, cands, 1)
	}
	if len(chosen) == 0 {
		return apiCallRc{RetCode: warnNotEnoughNodesForTieBreaker,
			Message: fmt.Sprintf("Could not find suitable node to automatically create a tie breaking resource for '%s'.", rd.Name)}
	}
	c := chosen[0]
	rd.Resources[key(c.node.Name)] = &resource{Node: c.node.Name, StorPool: c.pool.Name, Provider: providerDiskless,
		UUID: newUUID(), CreatedMs: s.now().UnixMilli(), Flags: []string{flagDiskless, flagDrbdDiskless, flagTieBreaker}}
	return apiCallRc{RetCode: infoTieBreakerCreated,
		Message: fmt.Sprintf("Tie breaker resource '%s' created on %s", rd.Name, c.node.Name)}
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

// deployEntries are the answers of deploying the autoplaced resources
// (CtrlRscCrtApiHelper.deployResources): per node of the definition
// "Created resource" for the new ones and "Added peer(s)" for the others
// (CtrlResponseUtils.combineResponses, MODIFIED), then, when the definition
// has more than one resource and uses DRBD, "ready" for each new one
// (makeResourceReadyMessage: CREATED with the context's description).
func deployEntries(rd *resourceDefinition, deployed []string, c respCtx) []apiCallRc {
	quoted := make([]string, len(deployed))
	for i, n := range deployed {
		quoted[i] = "'" + n + "'"
	}
	var rcs []apiCallRc
	for _, k := range sortedKeys(rd.Resources) {
		n := rd.Resources[k].Node
		msg := fmt.Sprintf("Added peer(s) %s to resource '%s' on '%s'", strings.Join(quoted, ", "), rd.Name, n)
		if slices.Contains(deployed, n) {
			msg = fmt.Sprintf("Created resource '%s' on '%s'", rd.Name, n)
		}
		rcs = append(rcs, c.add(apiCallRc{RetCode: rcModified, Message: msg}, false))
	}
	if len(rd.Resources) < 2 || !slices.Contains(rd.LayerStack, "DRBD") {
		return rcs
	}
	for _, n := range deployed {
		ready := apiCallRc{RetCode: rcCreated, Message: fmt.Sprintf("Resource '%s' on '%s' ready", rd.Name, n)}
		rcs = append(rcs, c.add(ready, true))
	}
	return rcs
}

// notEnoughNodes is failNotEnoughCandidates with the criteria in the details.
func notEnoughNodes(f *autoSelectFilter, want int, size int64, rdName string) error {
	var sb strings.Builder
	sb.WriteString("Not enough nodes fulfilling the following auto-place criteria:\n")
	if len(f.StoragePoolList) > 0 {
		fmt.Fprintf(&sb, " * has a deployed storage pool named [%s]\n", strings.Join(f.StoragePoolList, ", "))
		fmt.Fprintf(&sb, " * the storage pools have to have at least '%d' free space\n", size)
	}
	sb.WriteString(" * the current access context has enough privileges to use the node and the storage pool\n")
	sb.WriteString(" * the node is online\n\nAuto-place configuration details:\n")
	sb.WriteString(helpString(f, want, rdName))
	return fail(failNotEnoughNodes, "Not enough available nodes").with("", sb.String(), "")
}

// helpString is AutoSelectFilterApi.asHelpString with a three-space indent.
func helpString(f *autoSelectFilter, want int, rdName string) string {
	var lines []string
	add := func(label string, v string) { lines = append(lines, "   "+label+": "+v) }
	add("Replica count", fmt.Sprint(*f.PlaceCount))
	add("Additional replica count", fmt.Sprint(want))
	addList := func(label string, l []string) {
		if len(l) > 0 {
			add(label, strings.Join(l, ", "))
		}
	}
	addList("Node name", f.NodeNameList)
	addList("Storage pool name", f.StoragePoolList)
	addList("Storage pool diskless name", f.StoragePoolDisklessList)
	addList("Do not place with resource", append(slices.Clone(f.NotPlaceWithRsc), rdName))
	if f.NotPlaceWithRscRegex != nil {
		add("Do not place with resource (regex)", *f.NotPlaceWithRscRegex)
	}
	addList("Replicas on nodes with same property", f.ReplicasOnSame)
	addList("Replicas on nodes with different property", f.ReplicasOnDifferent)
	for _, k := range sortedKeys(f.XReplicasOnDifferent) {
		add("X replicas on nodes with different property", fmt.Sprintf("%s=%d", k, f.XReplicasOnDifferent[k]))
	}
	addList("Layer stack", f.LayerStack)
	addList("Allowed Provider", f.ProviderList)
	if f.DisklessOnRemaining != nil {
		add("Diskless on remaining", fmt.Sprint(*f.DisklessOnRemaining))
	}
	return strings.Join(lines, "\n")
}
