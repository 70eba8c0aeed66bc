package linstor

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// TCP transport, activity log geometry and disk state the emulated DRBD
// layer reports.
const (
	drbdTransport     = "IP"
	alStripes         = 1
	alStripeSizeKiB   = 32
	diskStateUpToDate = "UpToDate"
	diskStateDiskless = "Diskless"
)

// rdOut is a ResourceDefinition as the controller serialises it.
type rdOut struct {
	Name              string            `json:"name"`
	ExternalName      string            `json:"external_name,omitempty"`
	Props             map[string]string `json:"props,omitempty"`
	LayerData         []rdLayerOut      `json:"layer_data,omitempty"`
	UUID              string            `json:"uuid"`
	ResourceGroupName string            `json:"resource_group_name"`
	VolumeDefinitions []vdOut           `json:"volume_definitions,omitempty"`
}

type rdLayerOut struct {
	Type string       `json:"type"`
	Data *drbdRDLayer `json:"data,omitempty"`
}

type drbdRDLayer struct {
	PeerSlots       int32  `json:"peer_slots"`
	AlStripes       int32  `json:"al_stripes"`
	AlStripeSizeKiB int64  `json:"al_stripe_size_kib"`
	Port            int32  `json:"port"`
	TransportType   string `json:"transport_type"`
	Down            bool   `json:"down"`
}

type vdOut struct {
	VolumeNumber int32    `json:"volume_number"`
	SizeKiB      int64    `json:"size_kib"`
	Flags        []string `json:"flags,omitempty"`
	UUID         string   `json:"uuid"`
}

// rscOut is a ResourceWithVolumes.
type rscOut struct {
	Name            string            `json:"name"`
	NodeName        string            `json:"node_name"`
	Props           map[string]string `json:"props,omitempty"`
	Flags           []string          `json:"flags,omitempty"`
	LayerObject     *layerOut         `json:"layer_object,omitempty"`
	State           *rscStateOut      `json:"state,omitempty"`
	UUID            string            `json:"uuid"`
	CreateTimestamp int64             `json:"create_timestamp,omitempty"`
	Volumes         []vlmOut          `json:"volumes,omitempty"`
}

type layerOut struct {
	Children []layerOut `json:"children,omitempty"`
	Type     string     `json:"type"`
}

type rscStateOut struct {
	InUse bool `json:"in_use"`
}

type vlmOut struct {
	VolumeNumber     int32        `json:"volume_number"`
	StoragePoolName  string       `json:"storage_pool_name"`
	ProviderKind     string       `json:"provider_kind"`
	DevicePath       string       `json:"device_path"`
	AllocatedSizeKiB int64        `json:"allocated_size_kib"`
	UsableSizeKiB    int64        `json:"usable_size_kib"`
	State            *vlmStateOut `json:"state,omitempty"`
	UUID             string       `json:"uuid"`
}

type vlmStateOut struct {
	DiskState string `json:"disk_state"`
}

func (rd *resourceDefinition) out(withVolumes bool) rdOut {
	o := rdOut{Name: rd.Name, ExternalName: rd.ExternalName, Props: rd.Props, UUID: rd.UUID,
		ResourceGroupName: rd.Group}
	for _, l := range rd.LayerStack {
		lo := rdLayerOut{Type: l}
		if l == "DRBD" {
			lo.Data = &drbdRDLayer{PeerSlots: rd.PeerSlots, AlStripes: alStripes, AlStripeSizeKiB: alStripeSizeKiB,
				Port: rd.Port, TransportType: drbdTransport}
		}
		o.LayerData = append(o.LayerData, lo)
	}
	if withVolumes {
		o.VolumeDefinitions = []vdOut{}
		for _, vd := range rd.Volumes {
			o.VolumeDefinitions = append(o.VolumeDefinitions, vdOut{VolumeNumber: vd.Number, SizeKiB: vd.SizeKiB,
				Flags: vd.Flags, UUID: vd.UUID})
		}
	}
	return o
}

func handleRDList(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	names, props := newNameSet(req.query["resource_definitions"]), req.query["props"]
	withVolumes := strings.EqualFold(firstQuery(req, "with_volume_definitions"), "true")
	out := []rdOut{}
	for _, rd := range s.st.sortedDefs() {
		if names.match(rd.Name) && matchesPropFilters(rd.Props, props) {
			out = append(out, rd.out(withVolumes))
		}
	}
	return okJSON(page(out, limit, offset))
}

func firstQuery(req *request, name string) string {
	if v := req.query[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func handleRDGet(s *Server, req *request) reply {
	rd, ok := s.st.ResourceDefs[key(req.params[0])]
	if !ok {
		return s.notFound(failNotFoundRscDfn, fmt.Sprintf("Resource definition '%s' not found.", req.params[0]))
	}
	return okJSON(rd.out(false))
}

func handleRDDelete(s *Server, req *request) reply {
	name := req.params[0]
	c := respCtx{op: maskDel, obj: maskRscDfn, descr: "Resource definition: " + name,
		objRefs: map[string]string{"RscDfn": name}}
	rcs, err := s.deleteRD(name)
	if err != nil {
		return s.respond(http.StatusOK, c, nil, err)
	}
	return s.rcReply(http.StatusOK, c.all(rcs, false))
}

// deleteRD removes a resource definition with its replicas and gives thick
// pools their space back; an unknown name is only a warning.
func (s *Server) deleteRD(name string) ([]apiCallRc, error) {
	rd, ok := s.st.ResourceDefs[key(name)]
	if !ok {
		return nil, fail(warnNotFound, "Resource definition: "+name+" not found.")
	}
	var rcs []apiCallRc
	for _, k := range sortedKeys(rd.Resources) {
		r := rd.Resources[k]
		s.removeReplica(rd, k)
		rcs = append(rcs, apiCallRc{RetCode: maskRsc | rcDeleted,
			Message: fmt.Sprintf("Resource '%s' on '%s' deleted", rd.Name, r.Node),
			ObjRefs: map[string]string{"Node": r.Node}})
	}
	delete(s.st.ResourceDefs, key(name))
	inline := capitalize("resource definition '" + rd.Name + "'")
	return append(rcs, apiCallRc{RetCode: rcDeleted, Message: inline + " deleted.",
		Details: inline + " UUID was: " + rd.UUID}), nil
}

func (s *Server) poolOf(r *resource) *storagePool {
	if n, ok := s.st.Nodes[key(r.Node)]; ok {
		return n.Pools[key(r.StorPool)]
	}
	return nil
}

// handleRDResources is GET /v1/resource-definitions/{rd}/resources.
func handleRDResources(s *Server, req *request) reply {
	limit, offset, okPaging := paging(req)
	if !okPaging {
		return s.badParam(req)
	}
	rd, ok := s.st.ResourceDefs[key(req.params[0])]
	if !ok {
		err := fail(failNotFoundRscDfn, fmt.Sprintf("Resource definition '%s' not found.", req.params[0]))
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	nodes := newNameSet(req.query["nodes"])
	out := []rscOut{}
	for _, k := range sortedKeys(rd.Resources) {
		if r := rd.Resources[k]; nodes.match(r.Node) {
			out = append(out, s.asReported(rd.resourceOut(r)))
		}
	}
	return okJSON(page(out, limit, offset))
}

// handleResourceView is GET /v1/view/resources: every replica with its volumes.
func handleResourceView(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	nodes, rscs := newNameSet(req.query["nodes"]), newNameSet(req.query["resources"])
	pools, props := newNameSet(req.query["storage_pools"]), req.query["props"]
	out := []rscOut{}
	for _, rd := range s.st.sortedDefs() {
		for _, k := range sortedKeys(rd.Resources) {
			r := rd.Resources[k]
			if rscs.match(rd.Name) && nodes.match(r.Node) && pools.match(r.StorPool) &&
				matchesPropFilters(rscProps(r), props) {
				out = append(out, s.asReported(rd.resourceOut(r)))
			}
		}
	}
	return okJSON(page(out, limit, offset))
}

func rscProps(r *resource) map[string]string { return map[string]string{"StorPoolName": r.StorPool} }

func (rd *resourceDefinition) resourceOut(r *resource) rscOut {
	diskless := slices.Contains(r.Flags, flagDiskless)
	o := rscOut{Name: rd.Name, NodeName: r.Node, Props: rscProps(r), Flags: r.Flags, UUID: r.UUID, State: &rscStateOut{},
		CreateTimestamp: r.CreatedMs, LayerObject: layerTree(rd.LayerStack, diskless)}
	for _, vd := range rd.Volumes {
		v := vlmOut{VolumeNumber: vd.Number, StoragePoolName: r.StorPool, ProviderKind: r.Provider,
			DevicePath: fmt.Sprintf("/dev/drbd%d", vd.Minor), UsableSizeKiB: vd.SizeKiB,
			State: &vlmStateOut{DiskState: diskStateUpToDate}, UUID: vd.UUID}
		if !slices.Contains(rd.LayerStack, "DRBD") {
			v.DevicePath = fmt.Sprintf("/dev/linstor_%s/%s_%05d", r.StorPool, rd.Name, vd.Number)
		}
		if diskless {
			v.State.DiskState = diskStateDiskless
		} else {
			v.AllocatedSizeKiB = vd.SizeKiB
		}
		o.Volumes = append(o.Volumes, v)
	}
	return o
}

// layerTree is the layer object of a replica: each layer the child of the
// one above; a diskless DRBD replica has DRBD directly over a (diskless)
// STORAGE layer.
func layerTree(stack []string, diskless bool) *layerOut {
	if len(stack) == 0 {
		return nil
	}
	if diskless && stack[0] == "DRBD" {
		return &layerOut{Type: "DRBD", Children: []layerOut{{Type: "STORAGE"}}}
	}
	top := &layerOut{Type: stack[0]}
	if child := layerTree(stack[1:], false); child != nil {
		top.Children = []layerOut{*child}
	}
	return top
}
