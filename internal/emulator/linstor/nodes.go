package linstor

import (
	"fmt"
	"net/http"
)

// nodeOut is a Node as the controller serialises it. The server sends the
// Java enum name as type ("SATELLITE"), not the spec's "Satellite".
type nodeOut struct {
	Name             string            `json:"name"`
	Type             string            `json:"type"`
	Props            map[string]string `json:"props,omitempty"`
	NetInterfaces    []netIfOut        `json:"net_interfaces,omitempty"`
	ConnectionStatus string            `json:"connection_status"`
	UUID             string            `json:"uuid"`
	StorageProviders []string          `json:"storage_providers,omitempty"`
	ResourceLayers   []string          `json:"resource_layers,omitempty"`
	Platform         string            `json:"platform,omitempty"`
}

type netIfOut struct {
	Name                    string `json:"name"`
	Address                 string `json:"address"`
	SatellitePort           int    `json:"satellite_port"`
	SatelliteEncryptionType string `json:"satellite_encryption_type"`
	IsActive                bool   `json:"is_active"`
	UUID                    string `json:"uuid"`
}

// poolOut is a StoragePool as the controller serialises it.
type poolOut struct {
	StoragePoolName   string            `json:"storage_pool_name"`
	NodeName          string            `json:"node_name"`
	ProviderKind      string            `json:"provider_kind"`
	Props             map[string]string `json:"props,omitempty"`
	StaticTraits      map[string]string `json:"static_traits,omitempty"`
	FreeCapacity      int64             `json:"free_capacity"`
	TotalCapacity     int64             `json:"total_capacity"`
	FreeSpaceMgrName  string            `json:"free_space_mgr_name"`
	UUID              string            `json:"uuid"`
	SupportsSnapshots bool              `json:"supports_snapshots"`
	ExternalLocking   bool              `json:"external_locking"`
}

func (n *node) out() nodeOut {
	return nodeOut{
		Name: n.Name, Type: "SATELLITE", Props: n.Props, ConnectionStatus: n.connectionStatus(), UUID: n.UUID,
		NetInterfaces: []netIfOut{{Name: "default", Address: n.Address, SatellitePort: satellitePort,
			SatelliteEncryptionType: "PLAIN", IsActive: true, UUID: n.NetIfUUID}},
		StorageProviders: []string{providerDiskless, "LVM", "LVM_THIN", "ZFS", "ZFS_THIN", "FILE", "FILE_THIN"},
		ResourceLayers:   []string{"DRBD", "LUKS", "NVME", "CACHE", "BCACHE", "WRITECACHE", "STORAGE"},
		Platform:         "LINUX",
	}
}

func (sp *storagePool) out(nodeName string) poolOut {
	snapshots := sp.Provider == "LVM_THIN" || sp.Provider == "ZFS" || sp.Provider == "ZFS_THIN" ||
		sp.Provider == "FILE_THIN"
	traits := map[string]string{"SupportsSnapshots": fmt.Sprint(snapshots)}
	switch {
	case sp.Provider == providerDiskless:
	case thick(sp.Provider):
		traits["Provisioning"] = "Fat"
	default:
		traits["Provisioning"] = "Thin"
	}
	return poolOut{StoragePoolName: sp.Name, NodeName: nodeName, ProviderKind: sp.Provider, Props: sp.Props,
		StaticTraits: traits, FreeCapacity: sp.FreeKiB, TotalCapacity: sp.TotalKiB,
		FreeSpaceMgrName: nodeName + ";" + sp.Name, UUID: sp.UUID, SupportsSnapshots: snapshots}
}

// loadNode is CtrlApiDataLoader.loadNode: the node or a 404 error.
func (s *Server) loadNode(name string) (*node, error) {
	if n, ok := s.st.Nodes[key(name)]; ok {
		return n, nil
	}
	return nil, fail(failNotFoundNode, fmt.Sprintf("Node '%s' not found.", name)).with(
		fmt.Sprintf("The specified node '%s' could not be found in the database", name), "",
		fmt.Sprintf("Create a node with the name '%s' first.", name))
}

func handleNodeList(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	names, props := newNameSet(req.query["nodes"]), req.query["props"]
	out := []nodeOut{}
	for _, n := range s.st.sortedNodes() {
		if names.match(n.Name) && matchesPropFilters(n.Props, props) {
			out = append(out, n.out())
		}
	}
	return okJSON(page(out, limit, offset))
}

func handleNodeGet(s *Server, req *request) reply {
	n, ok := s.st.Nodes[key(req.params[0])]
	if !ok {
		return s.notFound(failNotFoundNode, fmt.Sprintf("Node '%s' not found.", req.params[0]))
	}
	return okJSON(n.out())
}

func handleNodePools(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	n, err := s.loadNode(req.params[0])
	if err != nil {
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	pools := newNameSet(req.query["storage_pools"])
	out := []poolOut{}
	for _, sp := range n.sortedPools() {
		if pools.match(sp.Name) {
			out = append(out, sp.out(n.Name))
		}
	}
	return okJSON(page(out, limit, offset))
}

func handleNodePoolGet(s *Server, req *request) reply {
	n, err := s.loadNode(req.params[0])
	if err != nil {
		return s.rcReply(http.StatusOK, errorEntries(err))
	}
	sp, ok := n.Pools[key(req.params[1])]
	if !ok {
		return s.notFound(failNotFoundStorPool, fmt.Sprintf("Storage pool '%s' not found.", req.params[1]))
	}
	return okJSON(sp.out(n.Name))
}

// handlePoolView is GET /v1/view/storage-pools: every pool of every node.
func handlePoolView(s *Server, req *request) reply {
	limit, offset, ok := paging(req)
	if !ok {
		return s.badParam(req)
	}
	nodes, pools, props := newNameSet(req.query["nodes"]), newNameSet(req.query["storage_pools"]), req.query["props"]
	out := []poolOut{}
	for _, n := range s.st.sortedNodes() {
		if !nodes.match(n.Name) {
			continue
		}
		for _, sp := range n.sortedPools() {
			if pools.match(sp.Name) && matchesPropFilters(sp.Props, props) {
				out = append(out, sp.out(n.Name))
			}
		}
	}
	return okJSON(page(out, limit, offset))
}
