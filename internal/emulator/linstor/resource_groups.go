package linstor

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// rgOut is a ResourceGroup as GET returns it; empty values are omitted like
// Jackson's NON_EMPTY, peer_slots is never returned.
type rgOut struct {
	Name         string            `json:"name"`
	Description  string            `json:"description,omitempty"`
	Props        map[string]string `json:"props,omitempty"`
	SelectFilter autoSelectFilter  `json:"select_filter"`
	UUID         string            `json:"uuid"`
}

// rgCreateIn is the ResourceGroup body of POST /v1/resource-groups.
type rgCreateIn struct {
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Props        map[string]string `json:"props"`
	SelectFilter *autoSelectFilter `json:"select_filter"`
	UUID         *string           `json:"uuid"`
	PeerSlots    *int32            `json:"peer_slots"`
}

// rgModifyIn is the ResourceGroupModify body of PUT /v1/resource-groups/{rg}.
type rgModifyIn struct {
	Description      *string           `json:"description"`
	OverrideProps    map[string]string `json:"override_props"`
	DeleteProps      []string          `json:"delete_props"`
	DeleteNamespaces []string          `json:"delete_namespaces"`
	SelectFilter     *autoSelectFilter `json:"select_filter"`
	PeerSlots        *int32            `json:"peer_slots"`
	SnapNames        []string          `json:"snap_names"`
	CopyAllSnaps     *bool             `json:"copy_all_snaps"`
}

func (rg *resourceGroup) out() rgOut {
	return rgOut{Name: rg.Name, Description: rg.Description, Props: rg.Props,
		SelectFilter: rg.Filter.out(), UUID: rg.UUID}
}

// rgCtx is the response context of the resource group calls; create,
// modify and delete all use a create/register operation (MaskCrt).
func rgCtx(name string) respCtx {
	return respCtx{op: maskCrt, obj: maskRscGrp, descr: "Resource group: " + name,
		objRefs: map[string]string{"RscGrp": name}}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func rgInline(name string) string { return "resource group '" + name + "'" }

// lookupRG finds a group by name, case-insensitively.
func (s *Server) lookupRG(name string) *resourceGroup { return s.st.ResourceGroups[key(name)] }

// loadRG is CtrlApiDataLoader.loadResourceGroup: the group or a 404 error.
func (s *Server) loadRG(name string) (*resourceGroup, error) {
	if err := rscGrpName(name); err != nil {
		return nil, err
	}
	rg := s.lookupRG(name)
	if rg == nil {
		return nil, fail(failNotFoundRscGrp, fmt.Sprintf("Resource group '%s' not found.", name)).with(
			fmt.Sprintf("The specified resource group '%s' could not be found in the database", name), "",
			fmt.Sprintf("Create a resource group with the name '%s' first.", name))
	}
	return rg, nil
}

func handleRGList(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	names := req.query["resource_groups"]
	for _, n := range names {
		if err := rscGrpName(n); err != nil {
			return s.rcReply(http.StatusOK, errorEntries(err))
		}
	}
	filter, props := newNameSet(names), req.query["props"]
	out := []rgOut{}
	for _, rg := range s.st.sortedGroups() {
		if filter.match(rg.Name) && matchesPropFilters(rg.Props, props) {
			out = append(out, rg.out())
		}
	}
	return okJSON(page(out, limit, offset))
}

func handleRGGet(s *Server, req *request) reply {
	name := req.params[0]
	if err := rscGrpName(name); err != nil {
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	rg := s.lookupRG(name)
	if rg == nil {
		return s.notFound(failNotFoundRscGrp, fmt.Sprintf("Resource group '%s' not found.", name))
	}
	return okJSON(rg.out())
}

func handleRGCreate(s *Server, req *request) reply {
	var in rgCreateIn
	if err := decodeBody(req.body, &in, "ResourceGroup"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	change, err := parseFilter(in.SelectFilter)
	if err == nil {
		err = checkPeerSlots(in.PeerSlots)
	}
	if err != nil {
		return s.rcReply(http.StatusCreated, errorEntries(err))
	}
	rcs, err := s.createRG(in, change)
	return s.respond(http.StatusCreated, rgCtx(in.Name), rcs, err)
}

// createRG is CtrlRscGrpApiCallHandler.create. Props in the body are
// ignored: the REST layer passes an empty map ("currently props are not
// supported on creation").
func (s *Server) createRG(in rgCreateIn, change *autoSelectFilter) ([]apiCallRc, error) {
	if err := change.validate(in.Name); err != nil {
		return nil, err
	}
	if err := rscGrpName(in.Name); err != nil {
		return nil, err
	}
	if s.lookupRG(in.Name) != nil {
		return nil, fail(failExistsRscGrp, fmt.Sprintf("A Resource group: %s already exists.", in.Name))
	}
	rg := &resourceGroup{Name: in.Name, Description: in.Description, UUID: newUUID(),
		Filter: newSelectFilter(change), PeerSlots: in.PeerSlots}
	s.st.ResourceGroups[key(rg.Name)] = rg
	rcs := s.unknownPoolWarning(rg.Filter)
	created := apiCallRc{RetCode: rcCreated, Message: "New " + rgInline(rg.Name) + " created.",
		Details: capitalize(rgInline(rg.Name)) + " UUID is: " + rg.UUID, ObjRefs: map[string]string{"UUID": rg.UUID}}
	return append(rcs, rgCtx(in.Name).add(created, false)), nil
}

// checkPeerSlots is ResourceGroups.parsePeerSlots: 0..31, otherwise an
// IllegalArgumentException that surfaces as an unknown error.
func checkPeerSlots(ps *int32) error {
	if ps == nil || (*ps >= 0 && *ps <= 31) {
		return nil
	}
	return &rcError{rcs: []apiCallRc{{RetCode: failUnknownError, Message: "Exception thrown.",
		Details: fmt.Sprintf("Peer slots must be in range 0 - 31, got %d", *ps), report: true}}}
}

func handleRGModify(s *Server, req *request) reply {
	var in rgModifyIn
	if err := decodeBody(req.body, &in, "ResourceGroupModify"); err != nil {
		return s.fixedReply(http.StatusInternalServerError, errorEntries(err))
	}
	change, err := parseFilter(in.SelectFilter)
	if err != nil {
		// Thrown before the handler runs: the global exception mapper answers 400.
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	if err := checkPeerSlots(in.PeerSlots); err != nil {
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	name := req.params[0]
	c := rgCtx(name)
	rcs, err := s.modifyRG(name, in, change)
	if err != nil {
		return s.respond(http.StatusOK, c, nil, err)
	}
	rg := s.lookupRG(name)
	placed, keep := s.raisePlaceCount(rg, change, c)
	rep := s.rcReply(http.StatusOK, append(rcs, placed...))
	rep.keep = keep
	return rep
}

// modifyRG is the transactional part of CtrlRscGrpApiCallHandler.modify;
// the returned entries end with the MODIFIED entry.
func (s *Server) modifyRG(name string, in rgModifyIn, change *autoSelectFilter) ([]apiCallRc, error) {
	if err := change.validate(name); err != nil {
		return nil, err
	}
	rg, err := s.loadRG(name)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		rg.Description = *in.Description
	}
	rcs, err := s.modifyRGProps(rg, in)
	if err != nil {
		return nil, err
	}
	if change != nil {
		rg.Filter.apply(change)
		rcs = append(rcs, s.unknownPoolWarning(rg.Filter)...)
	}
	if in.PeerSlots != nil {
		rg.PeerSlots = in.PeerSlots
	}
	modified := apiCallRc{RetCode: rcModified, Message: capitalize(rgInline(rg.Name)) + " modified.",
		Details: capitalize(rgInline(rg.Name)) + " UUID is: " + rg.UUID, ObjRefs: map[string]string{"UUID": rg.UUID}}
	return rgCtx(name).all(append(rcs, modified), false), nil
}

// modifyRGProps applies the props part of a modification; DrbdOptions/ExactSize
// is whitelisted for resource definitions but refused on groups.
func (s *Server) modifyRGProps(rg *resourceGroup, in rgModifyIn) ([]apiCallRc, error) {
	if _, ok := in.OverrideProps[keyExactSize]; ok {
		return nil, fail(failInvldProp, "Invalid property key").
			with("The key '"+keyExactSize+"' is not whitelisted.", "", "").reported()
	}
	pc := propsChange{override: in.OverrideProps, deleteKeys: in.DeleteProps, deleteNamespaces: in.DeleteNamespaces}
	if pc.empty() {
		return nil, nil
	}
	if rg.Props == nil {
		rg.Props = map[string]string{}
	}
	return applyProps(s.rules.rscDfn, rg.Props, pc, maskRscDfn)
}

// raisePlaceCount autoplaces additional replicas for every resource
// definition of the group that has fewer resources, tie breakers not counted,
// than a newly given place count. As in CtrlRscGrpApiCallHandler.modify, the
// modification is committed first and each definition is autoplaced in its
// own transaction (CtrlRscAutoPlaceApiCallHandler.autoPlace): a failure is
// reported as entries and rolls back only that definition; the others go
// on. keep is true when a failure answers with an error status.
func (s *Server) raisePlaceCount(rg *resourceGroup, change *autoSelectFilter, c respCtx) ([]apiCallRc, bool) {
	if change == nil || change.PlaceCount == nil {
		return nil, false
	}
	var rcs []apiCallRc
	failed := false
	rgKey := key(rg.Name)
	for _, rd := range s.st.defsOf(rgKey) {
		if replicaCount(rd) >= int(*change.PlaceCount) {
			continue
		}
		placed, err := s.inTransaction(func() ([]apiCallRc, error) {
			rd := s.st.ResourceDefs[key(rd.Name)]
			return s.autoplace(rd, mergeFilters(change, s.st.ResourceGroups[rgKey].Filter.change()), autoplaceCtx(rd.Name))
		})
		if err != nil {
			placed, failed = autoplaceCtx(rd.Name).all(errorEntries(err), true), true
		}
		rcs = append(rcs, c.all(placed, false)...)
	}
	return rcs, failed
}

// inTransaction runs fn on the state and restores the state as it was
// before when fn fails, like a controller transaction inside a larger call.
func (s *Server) inTransaction(fn func() ([]apiCallRc, error)) ([]apiCallRc, error) {
	snapshot, err := s.st.clone()
	if err != nil {
		return nil, err
	}
	rcs, err := fn()
	if err != nil {
		s.st = snapshot
	}
	return rcs, err
}

// replicaCount counts the resources of rd that are not tie breakers.
func replicaCount(rd *resourceDefinition) int {
	n := 0
	for _, r := range rd.Resources {
		if !slices.Contains(r.Flags, flagTieBreaker) {
			n++
		}
	}
	return n
}

// unknownPoolWarning is addUnknownStoragePoolWarning: a WARN_NOT_FOUND entry
// for filter pools that no node has, or that have the wrong kind.
func (s *Server) unknownPoolWarning(sf autoSelectFilter) []apiCallRc {
	var unknown, notDiskful, notDiskless []string
	s.classifyPools(sf.StoragePoolList, true, &unknown, &notDiskful)
	s.classifyPools(sf.StoragePoolDisklessList, false, &unknown, &notDiskless)
	var sb strings.Builder
	if len(notDiskless) > 0 {
		sb.WriteString("The following configured storage pools are diskful, but are wrongly configured to be used " +
			"for diskless autoplacements:\n\t" + strings.Join(notDiskless, "\n\t") + "\n")
	}
	if len(notDiskful) > 0 {
		sb.WriteString("The following configured storage pools are diskless, but are wrongly configured to be used " +
			"for diskful autoplacements:\n\t" + strings.Join(notDiskful, "\n\t") + "\n")
	}
	if len(unknown) > 0 {
		sb.WriteString("The following configured storage pools do not exist on any node:\n\t" +
			strings.Join(unknown, "\n\t"))
	}
	if sb.Len() == 0 {
		return nil
	}
	return []apiCallRc{{RetCode: warnNotFound, Message: strings.TrimSpace(sb.String())}}
}

// classifyPools sorts filter pools into unknown ones and ones without a
// pool of the expected kind (diskful or diskless).
func (s *Server) classifyPools(names []string, diskful bool, unknown, wrongKind *[]string) {
	for _, n := range names {
		found, kindOK := s.poolDefinition(n, diskful)
		switch {
		case !found:
			*unknown = append(*unknown, n)
		case !kindOK:
			*wrongKind = append(*wrongKind, n)
		}
	}
}

// poolDefinition reports whether any node has a pool of that name and
// whether one of them has the expected kind (diskful or diskless).
func (s *Server) poolDefinition(name string, diskful bool) (found, kindOK bool) {
	for _, n := range s.st.Nodes {
		if sp, ok := n.Pools[key(name)]; ok {
			found = true
			kindOK = kindOK || (sp.Provider != providerDiskless) == diskful
		}
	}
	return found, kindOK
}

func handleRGDelete(s *Server, req *request) reply {
	name := req.params[0]
	rcs, err := s.deleteRG(name)
	return s.respond(http.StatusOK, rgCtx(name), rcs, err)
}

// deleteRG is CtrlRscGrpApiCallHandler.delete: unknown groups are a warning,
// groups with resource definitions an error; volume groups go with the group.
func (s *Server) deleteRG(name string) ([]apiCallRc, error) {
	if err := rscGrpName(name); err != nil {
		return nil, err
	}
	rg := s.lookupRG(name)
	if rg == nil {
		return nil, fail(warnNotFound, "Resource group: "+name+" not found.")
	}
	if len(s.st.defsOf(key(rg.Name))) > 0 {
		return nil, fail(failExistsRscDfn, "Cannot delete "+rgInline(name)+" because it has existing resource definitions.")
	}
	delete(s.st.ResourceGroups, key(rg.Name))
	deleted := apiCallRc{RetCode: rcDeleted, Message: capitalize(rgInline(rg.Name)) + " deleted.",
		Details: capitalize(rgInline(rg.Name)) + " UUID was: " + rg.UUID, ObjRefs: map[string]string{"UUID": rg.UUID}}
	return []apiCallRc{rgCtx(name).add(deleted, false)}, nil
}

// sortVolumeGroups keeps volume groups in volume number order.
func sortVolumeGroups(vgs []*volumeGroup) {
	sort.Slice(vgs, func(i, j int) bool { return vgs[i].Number < vgs[j].Number })
}
