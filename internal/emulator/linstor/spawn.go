package linstor

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// failInvldRequest rejects a spawn whose passphrase count does not match.
const failInvldRequest = 234 | maskError

// spawnIn is the ResourceGroupSpawn body of POST …/spawn.
type spawnIn struct {
	ResourceDefinitionName         string            `json:"resource_definition_name"`
	ResourceDefinitionExternalName *string           `json:"resource_definition_external_name"`
	VolumeSizes                    []int64           `json:"volume_sizes"`
	SelectFilter                   *autoSelectFilter `json:"select_filter"`
	Partial                        bool              `json:"partial"`
	DefinitionsOnly                bool              `json:"definitions_only"`
	PeerSlots                      *int32            `json:"peer_slots"`
	VolumePassphrases              []string          `json:"volume_passphrases"`
	ResourceDefinitionProps        map[string]string `json:"resource_definition_props"`
}

func handleSpawn(s *Server, req *request) reply {
	var in spawnIn
	if err := decodeBody(req.body, &in, "ResourceGroupSpawn"); err != nil {
		return s.fixedReply(http.StatusInternalServerError, errorEntries(err))
	}
	change, err := parseFilter(in.SelectFilter)
	if err != nil {
		// Thrown before the handler runs: the global exception mapper answers 400.
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	if err := checkPeerSlots(in.PeerSlots); err != nil {
		return s.rcReply(http.StatusCreated, errorEntries(err))
	}
	rgName := req.params[0]
	c := respCtx{op: maskCrt, obj: maskRscGrp, descr: "Resource group: " + rgName,
		objRefs: map[string]string{"RscGrp": rgName, "RscDfn": in.ResourceDefinitionName}}
	rcs, err := s.spawn(rgName, in, change, c)
	if err != nil {
		return s.respond(http.StatusCreated, c, nil, err)
	}
	return s.rcReply(http.StatusCreated, c.all(rcs, false))
}

// spawn is CtrlRscGrpApiCallHandler.spawnInTransaction: a resource
// definition with one volume definition per size, then an autoplace with the
// group's filter overridden by the request's. Any failure rolls it all back.
func (s *Server) spawn(rgName string, in spawnIn, change *autoSelectFilter, c respCtx) ([]apiCallRc, error) {
	rg, err := s.loadRG(rgName)
	if err != nil {
		return nil, err
	}
	merged := mergeFilters(change, rg.Filter.change())
	var rcs []apiCallRc
	if len(rg.VolumeGroups) == 0 && !in.Partial {
		rcs = append(rcs, apiCallRc{RetCode: maskInfo | maskRscGrp,
			Message: "Resource-group doesn't have any volume-groups, automatically assume partial mode."})
	}
	vds, err := spawnVolumes(rg, in)
	if err != nil {
		return nil, err
	}
	rd, created, err := s.createRD(rg, in, merged.LayerStack, vds)
	if err != nil {
		return nil, err
	}
	rcs = append(rcs, created...)
	if in.DefinitionsOnly {
		return append(rcs, apiCallRc{RetCode: infoNoRscSpawned, Cause: "--definitions-only was set",
			Message: fmt.Sprintf("Resource definition %s and %d created but no resources deployed", rd.Name, len(vds))}), nil
	}
	placed, err := s.autoplace(rd, merged, c)
	if err != nil {
		return nil, err
	}
	return append(rcs, placed...), nil
}

// spawnVolumes pairs the requested sizes with the group's volume groups.
func spawnVolumes(rg *resourceGroup, in spawnIn) ([]volumeDefinition, error) {
	if len(in.VolumePassphrases) > 0 && len(in.VolumePassphrases) != len(in.VolumeSizes) {
		return nil, fail(failInvldRequest, "Volume passphrase count doesn't match specified volume count.").with("", "",
			"Please provide the same amount of volume passphrases as volumes for this resource-group")
	}
	partial := len(rg.VolumeGroups) == 0 || in.Partial
	if len(in.VolumeSizes) != len(rg.VolumeGroups) && !partial {
		return nil, fail(failInvldVlmSizes, "Invalid count of volume sizes to spawn "+rgInline(rg.Name)).with("",
			fmt.Sprintf("The %s has %d Volume groups, but only %d sizes were provided.",
				rgInline(rg.Name), len(rg.VolumeGroups), len(in.VolumeSizes)),
			"Either provide the correct count of volume sizes or use the 'partial' option")
	}
	vds := make([]volumeDefinition, 0, len(in.VolumeSizes))
	used := map[int32]bool{}
	for i, size := range in.VolumeSizes {
		if size <= 0 {
			return nil, fail(failInvldVlmSize, fmt.Sprintf("The given volume size %d is invalid.", size))
		}
		vd := volumeDefinition{Number: -1, SizeKiB: size, UUID: newUUID()}
		if i < len(rg.VolumeGroups) {
			vd.Number, vd.Flags = rg.VolumeGroups[i].Number, slices.Clone(rg.VolumeGroups[i].Flags)
		}
		vds = append(vds, vd)
		used[vd.Number] = true
	}
	numberFreeVolumes(vds, used)
	return vds, nil
}

// numberFreeVolumes gives volumes without a volume group the lowest free numbers.
func numberFreeVolumes(vds []volumeDefinition, used map[int32]bool) {
	next := int32(0)
	for i := range vds {
		if vds[i].Number >= 0 {
			continue
		}
		for used[next] {
			next++
		}
		vds[i].Number = next
		used[next] = true
	}
}

// rdCtx is the context of a resource definition creation.
func rdCtx(name string) respCtx {
	return respCtx{op: maskCrt, obj: maskRscDfn, descr: "Resource definition: " + name,
		objRefs: map[string]string{"RscDfn": name}}
}

// createRD is CtrlRscDfnApiCallHandler.createResourceDefinition for a spawn.
func (s *Server) createRD(rg *resourceGroup, in spawnIn, layers []string, vds []volumeDefinition) (
	*resourceDefinition, []apiCallRc, error,
) {
	name := in.ResourceDefinitionName
	if err := rscName(name); err != nil {
		return nil, nil, err
	}
	if _, ok := s.st.ResourceDefs[key(name)]; ok {
		return nil, nil, fail(failExistsRscDfn, fmt.Sprintf("A resource definition with the name '%s' already exists", name))
	}
	stack, rcs := completeLayerStack(layers)
	rd := &resourceDefinition{Name: name, UUID: newUUID(), Group: rg.Name, Props: map[string]string{},
		LayerStack: stack, Port: s.st.NextPort, PeerSlots: defaultPeerSlots, Volumes: vds,
		Resources: map[string]*resource{}}
	if in.ResourceDefinitionExternalName != nil {
		rd.ExternalName = *in.ResourceDefinitionExternalName
	}
	if ps := firstPeerSlots(in.PeerSlots, rg.PeerSlots); ps != nil {
		rd.PeerSlots = *ps
	}
	set, err := applyProps(s.rules.rscDfn, rd.Props, propsChange{override: in.ResourceDefinitionProps}, maskRscDfn)
	if err != nil {
		return nil, nil, err
	}
	s.st.NextPort++
	for i := range rd.Volumes {
		rd.Volumes[i].Minor = s.st.NextMinor
		s.st.NextMinor++
	}
	s.st.ResourceDefs[key(name)] = rd
	return rd, append(append(rcs, set...), rdCreatedEntries(rd)...), nil
}

func firstPeerSlots(a, b *int32) *int32 {
	if a != nil {
		return a
	}
	return b
}

// completeLayerStack appends STORAGE to a stack that does not end with it,
// with the warning the controller gives.
func completeLayerStack(layers []string) ([]string, []apiCallRc) {
	stack := slices.Clone(layers)
	if len(stack) == 0 || stack[len(stack)-1] == "STORAGE" {
		return stack, nil
	}
	warn := apiCallRc{RetCode: warnStorageKindAdded, Message: "The layerstack was extended with STORAGE kind.",
		Details: "Layer stacks have to be based on STORAGE kind. Layers configured to be diskless\n" +
			"will not use the additional STORAGE layer."}
	return append(stack, "STORAGE"), []apiCallRc{warn}
}

// rdCreatedEntries are the volume definition and resource definition
// success entries of a creation.
func rdCreatedEntries(rd *resourceDefinition) []apiCallRc {
	var rcs []apiCallRc
	for _, vd := range rd.Volumes {
		nr := strconv.Itoa(int(vd.Number))
		rcs = append(rcs, apiCallRc{RetCode: maskVlmDfn | rcCreated,
			Message: fmt.Sprintf("Volume definition with number '%s' successfully  created in resource definition '%s'.", nr, rd.Name),
			ObjRefs: map[string]string{"RscDfn": rd.Name, "VlmNr": nr}})
	}
	inline := "resource definition '" + rd.Name + "'"
	created := apiCallRc{RetCode: rcCreated, Message: "New " + inline + " created.",
		Details: capitalize(inline) + " UUID is: " + rd.UUID, ObjRefs: map[string]string{"UUID": rd.UUID}}
	return append(rcs, rdCtx(rd.Name).add(created, false))
}
