package linstor

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Volume numbers range over 0..65534 (VolumeNumber).
const (
	maxVolumeNumber = 65534
	flagGrossSize   = "GROSS_SIZE"
	vlmGrpFlagsEnum = "com.linbit.linstor.core.objects.VolumeGroup.Flags"
)

// vgOut is a VolumeGroup as GET returns it; volume_number is always present.
type vgOut struct {
	VolumeNumber int32             `json:"volume_number"`
	Props        map[string]string `json:"props,omitempty"`
	UUID         string            `json:"uuid"`
	Flags        []string          `json:"flags,omitempty"`
}

// vgCreateIn is the VolumeGroup body of POST …/volume-groups.
type vgCreateIn struct {
	VolumeNumber *int32            `json:"volume_number"`
	Props        map[string]string `json:"props"`
	UUID         *string           `json:"uuid"`
	Flags        []string          `json:"flags"`
}

// vgModifyIn is the VolumeGroupModify body of PUT …/volume-groups/{n}.
type vgModifyIn struct {
	OverrideProps    map[string]string `json:"override_props"`
	Flags            []string          `json:"flags"`
	DeleteProps      []string          `json:"delete_props"`
	DeleteNamespaces []string          `json:"delete_namespaces"`
}

func (vg *volumeGroup) out() vgOut {
	return vgOut{VolumeNumber: vg.Number, Props: vg.Props, UUID: vg.UUID, Flags: vg.Flags}
}

func vgInline(rg string, nr int32) string {
	return fmt.Sprintf("volume group with number '%d' of resource group '%s'", nr, rg)
}

// vgsCtx is the context of the volume group calls of a group.
func vgsCtx(rg string) respCtx {
	return respCtx{op: maskCrt, obj: maskVlmGrp, descr: "Volume groups for " + rgInline(rg),
		objRefs: map[string]string{"VlmGrp": rg}}
}

// vgCtx is the context of one volume group (makeVolumeGroupContext).
func vgCtx(rg string, nr int32) respCtx {
	return respCtx{op: maskCrt, obj: maskVlmGrp,
		descr:   fmt.Sprintf("Resource group: %s, Volume number: %d", rg, nr),
		objRefs: map[string]string{"RscGrp": rg, "VlmNr": strconv.Itoa(int(nr))}}
}

// volumeNumberParam parses the {volume_number} path segment; JAX-RS answers
// a non-integer with 404.
func volumeNumberParam(req *request) (int32, bool) {
	n, err := strconv.ParseInt(req.params[1], 10, 32)
	return int32(n), err == nil
}

// loadVG is CtrlApiDataLoader.loadVlmGrp.
func (s *Server) loadVG(rgName string, nr int32) (*resourceGroup, *volumeGroup, error) {
	rg, err := s.loadRG(rgName)
	if err != nil {
		return nil, nil, err
	}
	for _, vg := range rg.VolumeGroups {
		if vg.Number == nr {
			return rg, vg, nil
		}
	}
	return nil, nil, fail(failNotFoundVlmGrp,
		fmt.Sprintf("Volume group '%s' with volume number '%d' not found.", rg.Name, nr)).with(
		fmt.Sprintf("The specified volume group '%s' with volume number '%d' could not be found in the database", rg.Name, nr), "",
		fmt.Sprintf("Create a volume group with the name '%s' and volume number '%d' first.", rg.Name, nr))
}

func handleVGList(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	rg, err := s.loadRG(req.params[0])
	if err != nil {
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	out := make([]vgOut, 0, len(rg.VolumeGroups))
	for _, vg := range rg.VolumeGroups {
		out = append(out, vg.out())
	}
	// VolumeGroups.listVolumeGroup pages with List.subList(offset, offset+limit),
	// limit 0 meaning all; out-of-range values throw.
	if limit == 0 {
		limit = len(out)
	}
	if offset < 0 || offset+limit > len(out) {
		return s.unknownError(fmt.Errorf("toIndex = %d", offset+limit))
	}
	return okJSON(out[offset : offset+limit])
}

func handleVGGet(s *Server, req *request) reply {
	nr, ok := volumeNumberParam(req)
	if !ok {
		return s.badParam(req)
	}
	_, vg, err := s.loadVG(req.params[0], nr)
	if err != nil {
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	return okJSON(vg.out())
}

func handleVGCreate(s *Server, req *request) reply {
	var in vgCreateIn
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := decodeBody(req.body, &in, "VolumeGroup"); err != nil {
			return s.fixedReply(http.StatusBadRequest, errorEntries(err))
		}
	}
	for _, f := range in.Flags {
		if f != flagGrossSize {
			return s.unknownError(fmt.Errorf("No enum constant %s.%s", vlmGrpFlagsEnum, f))
		}
	}
	rgName := req.params[0]
	rcs, err := s.createVG(rgName, in)
	return s.respond(http.StatusCreated, vgsCtx(rgName), rcs, err)
}

// createVG is CtrlVlmGrpApiCallHandler.createVlmGrps for one volume group.
func (s *Server) createVG(rgName string, in vgCreateIn) ([]apiCallRc, error) {
	rg, err := s.loadRG(rgName)
	if err != nil {
		return nil, err
	}
	if len(s.st.defsOf(key(rg.Name))) > 0 {
		return nil, fail(failExistsRscDfn,
			"Volume group cannot be created while the resource group already has resource definitions.")
	}
	nr, err := nextVolumeNumber(rg, in.VolumeNumber)
	if err != nil {
		return nil, err
	}
	vg, rcs, err := s.newVG(rg, nr, in)
	if err != nil {
		// Failures inside get the volume group's context before the outer one.
		return nil, &rcError{rcs: vgCtx(rg.Name, nr).all(errorEntries(err), true)}
	}
	rg.VolumeGroups = append(rg.VolumeGroups, vg)
	sortVolumeGroups(rg.VolumeGroups)
	created := apiCallRc{RetCode: rcCreated,
		Message: fmt.Sprintf("New volume group with number '%d' of resource group '%s' created.", nr, rgName),
		ObjRefs: map[string]string{"RscGrp": rgName, "VlmNr": strconv.Itoa(int(nr))}}
	return append(rcs, vgsCtx(rgName).add(created, false)), nil
}

func (s *Server) newVG(rg *resourceGroup, nr int32, in vgCreateIn) (*volumeGroup, []apiCallRc, error) {
	for _, vg := range rg.VolumeGroups {
		if vg.Number == nr {
			return nil, nil, fail(failExistsVlmGrp, fmt.Sprintf(
				"A volume group with the number %d already exists in resource group '%s'.", nr, rg.Name))
		}
	}
	vg := &volumeGroup{Number: nr, UUID: newUUID(), Props: map[string]string{}}
	if len(in.Flags) > 0 {
		vg.Flags = []string{flagGrossSize}
	}
	rcs, err := applyProps(s.rules.vlmDfn, vg.Props, propsChange{override: in.Props}, maskVlmDfn)
	return vg, rcs, err
}

// nextVolumeNumber returns the requested number (checked against the range)
// or the lowest free one (VolumeNumberAlloc.getFreeVolumeNumber).
func nextVolumeNumber(rg *resourceGroup, requested *int32) (int32, error) {
	if requested != nil {
		if *requested < 0 || *requested > maxVolumeNumber {
			return 0, fail(failInvldVlmNr, fmt.Sprintf(
				"The specified volume number '%d' is invalid. Volume numbers have to be in range of 0 - %d.",
				*requested, maxVolumeNumber))
		}
		return *requested, nil
	}
	used := map[int32]bool{}
	for _, vg := range rg.VolumeGroups {
		used[vg.Number] = true
	}
	for nr := int32(0); nr <= maxVolumeNumber; nr++ {
		if !used[nr] {
			return nr, nil
		}
	}
	return 0, fail(failUnknownError, "An exception occurred during generation of a volume number.")
}

func handleVGModify(s *Server, req *request) reply {
	nr, ok := volumeNumberParam(req)
	if !ok {
		return s.badParam(req)
	}
	var in vgModifyIn
	if err := decodeBody(req.body, &in, "VolumeGroupModify"); err != nil {
		return s.fixedReply(http.StatusInternalServerError, errorEntries(err))
	}
	rgName := req.params[0]
	outer := vgCtx(rgName, nr)
	rcs, err := s.modifyVG(rgName, nr, in)
	if err != nil {
		return s.rcReply(http.StatusOK, outer.all(vgsCtx(rgName).all(errorEntries(err), true), false))
	}
	return s.rcReply(http.StatusOK, outer.all(rcs, false))
}

// modifyVG is CtrlVlmGrpApiCallHandler.modify: props, then flags
// ("GROSS_SIZE" sets, "-GROSS_SIZE" clears).
func (s *Server) modifyVG(rgName string, nr int32, in vgModifyIn) ([]apiCallRc, error) {
	rg, vg, err := s.loadVG(rgName, nr)
	if err != nil {
		return nil, err
	}
	if vg.Props == nil {
		vg.Props = map[string]string{}
	}
	pc := propsChange{override: in.OverrideProps, deleteKeys: in.DeleteProps, deleteNamespaces: in.DeleteNamespaces}
	rcs, err := applyProps(s.rules.vlmDfn, vg.Props, pc, maskVlmDfn)
	if err != nil {
		return nil, err
	}
	if err := applyVGFlags(vg, in.Flags, rgName); err != nil {
		return nil, err
	}
	modified := apiCallRc{RetCode: rcModified, Message: capitalize(rgInline(rg.Name)) + " modified.",
		Details: capitalize(rgInline(rg.Name)) + " UUID is: " + rg.UUID, ObjRefs: map[string]string{"UUID": rg.UUID}}
	return append(rcs, vgsCtx(rgName).add(modified, false)), nil
}

func applyVGFlags(vg *volumeGroup, flags []string, rgName string) error {
	for _, f := range flags {
		name, disable := strings.CutPrefix(f, "-")
		if name != flagGrossSize {
			return fail(failUnknownError, fmt.Sprintf("Creation of volume groups for %s failed due to an "+
				"unhandled exception of type IllegalArgumentException. No enum constant %s.%s",
				rgInline(rgName), vlmGrpFlagsEnum, name)).reported()
		}
		has := slices.Contains(vg.Flags, flagGrossSize)
		switch {
		case disable && has:
			vg.Flags = nil
		case !disable && !has:
			vg.Flags = []string{flagGrossSize}
		}
	}
	return nil
}

func handleVGDelete(s *Server, req *request) reply {
	nr, ok := volumeNumberParam(req)
	if !ok {
		return s.badParam(req)
	}
	rgName := req.params[0]
	rcs, err := s.deleteVG(rgName, nr)
	return s.respond(http.StatusOK, vgsCtx(rgName), rcs, err)
}

// deleteVG removes one volume group; it is allowed while resource
// definitions exist.
func (s *Server) deleteVG(rgName string, nr int32) ([]apiCallRc, error) {
	rg, vg, err := s.loadVG(rgName, nr)
	if err != nil {
		return nil, err
	}
	rg.VolumeGroups = slices.DeleteFunc(rg.VolumeGroups, func(v *volumeGroup) bool { return v == vg })
	inline := vgInline(rgName, nr)
	deleted := apiCallRc{RetCode: rcDeleted, Message: capitalize(inline) + " deleted.",
		Details: capitalize(inline) + " UUID was: " + vg.UUID, ObjRefs: map[string]string{"UUID": vg.UUID}}
	return []apiCallRc{vgsCtx(rgName).add(deleted, false)}, nil
}
