package linstor

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// stateVersion is written into every state file; New refuses other versions.
const stateVersion = 1

// Fixed identities of objects every controller database starts with.
const (
	dfltRscGrpName     = "DfltRscGrp"
	dfltRscGrpUUID     = "a52e934a-9fd9-44cb-9db1-716dcd13aae3"
	dfltDisklessPool   = "DfltDisklessStorPool"
	seedPoolCapacity   = int64(1) << 30 // KiB, 1 TiB per diskful pool
	disklessCapacity   = int64(^uint64(0) >> 1)
	firstDrbdPort      = 7000
	firstMinor         = 1000
	defaultPeerSlots   = 7
	defaultPlaceCount  = 2
	providerDiskless   = "DISKLESS"
	satellitePort      = 3366
	seedAddressPattern = "10.0.0.%d"
)

// state is everything the emulated controller knows; it is what the state
// file holds. Maps are keyed by the upper-cased object name, the identity
// LINSTOR uses for case-insensitive names.
type state struct {
	Version        int                            `json:"version"`
	Nodes          map[string]*node               `json:"nodes"`
	ResourceGroups map[string]*resourceGroup      `json:"resource_groups"`
	ResourceDefs   map[string]*resourceDefinition `json:"resource_definitions"`
	NextPort       int32                          `json:"next_port"`
	NextMinor      int32                          `json:"next_minor"`
	// ControllerProps are the controller's own properties (Aux/ keys only).
	ControllerProps map[string]string `json:"controller_props,omitempty"`
}

type node struct {
	Name      string                  `json:"name"`
	UUID      string                  `json:"uuid"`
	NetIfUUID string                  `json:"net_if_uuid"`
	Address   string                  `json:"address"`
	Props     map[string]string       `json:"props,omitempty"`
	Pools     map[string]*storagePool `json:"storage_pools"`
	// Offline marks a satellite the controller has lost (see FailNode).
	Offline bool `json:"offline,omitempty"`
}

type storagePool struct {
	Name     string            `json:"name"`
	Provider string            `json:"provider_kind"`
	UUID     string            `json:"uuid"`
	Props    map[string]string `json:"props,omitempty"`
	TotalKiB int64             `json:"total_kib"`
	FreeKiB  int64             `json:"free_kib"`
}

type resourceGroup struct {
	Name         string            `json:"name"`
	Description  string            `json:"description,omitempty"`
	UUID         string            `json:"uuid"`
	Props        map[string]string `json:"props,omitempty"`
	Filter       autoSelectFilter  `json:"select_filter"`
	PeerSlots    *int32            `json:"peer_slots,omitempty"`
	VolumeGroups []*volumeGroup    `json:"volume_groups,omitempty"`
}

type volumeGroup struct {
	Number int32             `json:"volume_number"`
	UUID   string            `json:"uuid"`
	Props  map[string]string `json:"props,omitempty"`
	Flags  []string          `json:"flags,omitempty"`
}

type resourceDefinition struct {
	Name         string               `json:"name"`
	ExternalName string               `json:"external_name,omitempty"`
	UUID         string               `json:"uuid"`
	Group        string               `json:"resource_group"`
	Props        map[string]string    `json:"props,omitempty"`
	LayerStack   []string             `json:"layer_stack,omitempty"`
	Port         int32                `json:"port"`
	PeerSlots    int32                `json:"peer_slots"`
	Volumes      []volumeDefinition   `json:"volumes,omitempty"`
	Resources    map[string]*resource `json:"resources,omitempty"`
}

type volumeDefinition struct {
	Number  int32    `json:"volume_number"`
	SizeKiB int64    `json:"size_kib"`
	Minor   int32    `json:"minor"`
	UUID    string   `json:"uuid"`
	Flags   []string `json:"flags,omitempty"`
}

type resource struct {
	Node      string   `json:"node"`
	StorPool  string   `json:"storage_pool"`
	Provider  string   `json:"provider_kind"`
	UUID      string   `json:"uuid"`
	CreatedMs int64    `json:"create_timestamp"`
	Flags     []string `json:"flags,omitempty"`
	// Client marks a DRBD client (DrbdRscFlags.CLIENT: diskless without a
	// quorum vote), as diskless_on_remaining creates them.
	Client bool `json:"drbd_client,omitempty"`
}

// key is the identity of a LINSTOR name: names differ only by case collide.
func key(name string) string { return strings.ToUpper(name) }

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go >= 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// seedState builds the state of a fresh controller: DfltRscGrp and the nodes
// of cfg, each holding cfg's storage pools plus DfltDisklessStorPool.
func seedState(cfg Config) *state {
	st := &state{
		Version:        stateVersion,
		Nodes:          map[string]*node{},
		ResourceGroups: map[string]*resourceGroup{},
		ResourceDefs:   map[string]*resourceDefinition{},
		NextPort:       firstDrbdPort,
		NextMinor:      firstMinor,
	}
	st.ResourceGroups[key(dfltRscGrpName)] = &resourceGroup{
		Name: dfltRscGrpName, Description: "Default resource group", UUID: dfltRscGrpUUID,
		Filter: newSelectFilter(nil),
	}
	for i, seed := range cfg.nodes() {
		n := seedNode(seed, i)
		for _, p := range cfg.Pools {
			n.Pools[key(p)] = seedPool(p, cfg.provider(p))
		}
		n.Pools[key(dfltDisklessPool)] = seedPool(dfltDisklessPool, providerDiskless)
		st.Nodes[key(n.Name)] = n
	}
	return st
}

// ensurePools adds the pools of cfg that a loaded state lacks to every node,
// as an operator provisions a pool a new tier asks for, and reports whether
// anything was added.
func (st *state) ensurePools(cfg Config) bool {
	added := false
	for _, n := range st.Nodes {
		for _, p := range cfg.Pools {
			if _, ok := n.Pools[key(p)]; !ok {
				n.Pools[key(p)] = seedPool(p, cfg.provider(p))
				added = true
			}
		}
	}
	return added
}

func seedNode(seed NodeSeed, i int) *node {
	props := map[string]string{"CurStltConnName": "default", "NodeUname": seed.Name}
	if seed.Zone != "" {
		props["Aux/zone"] = seed.Zone
	}
	return &node{
		Name: seed.Name, UUID: newUUID(), NetIfUUID: newUUID(),
		Address: fmt.Sprintf(seedAddressPattern, 11+i), Props: props,
		Pools: map[string]*storagePool{},
	}
}

func seedPool(name, provider string) *storagePool {
	sp := &storagePool{Name: name, Provider: provider, UUID: newUUID(), Props: poolProps(name, provider)}
	sp.TotalKiB, sp.FreeKiB = seedPoolCapacity, seedPoolCapacity
	if provider == providerDiskless {
		sp.TotalKiB, sp.FreeKiB = disklessCapacity, disklessCapacity
	}
	return sp
}

// poolProps returns the StorDriver properties a pool of that kind is created with.
func poolProps(name, provider string) map[string]string {
	vg := "linstor_" + name
	switch provider {
	case "LVM":
		return map[string]string{"StorDriver/LvmVg": vg, "StorDriver/StorPoolName": vg}
	case "LVM_THIN":
		return map[string]string{"StorDriver/LvmVg": vg, "StorDriver/ThinPool": "thinpool",
			"StorDriver/StorPoolName": vg + "/thinpool"}
	case "ZFS":
		return map[string]string{"StorDriver/ZPool": name, "StorDriver/StorPoolName": name}
	case "ZFS_THIN":
		return map[string]string{"StorDriver/ZPoolThin": name, "StorDriver/StorPoolName": name}
	case "FILE", "FILE_THIN":
		dir := "/var/lib/linstor-pools/" + name
		return map[string]string{"StorDriver/FileDir": dir, "StorDriver/StorPoolName": dir}
	}
	return nil
}

// clone deep-copies the state, so a failed call can be rolled back.
func (st *state) clone() (*state, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("clone state: %w", err)
	}
	cp := &state{}
	if err := json.Unmarshal(b, cp); err != nil {
		return nil, fmt.Errorf("clone state: %w", err)
	}
	cp.fill()
	return cp, nil
}

// fill replaces the nil maps a JSON round trip leaves (empty maps are
// written with omitempty or as null) with empty ones, so handlers can add
// to them.
func (st *state) fill() {
	fillMap(&st.Nodes)
	fillMap(&st.ResourceGroups)
	fillMap(&st.ResourceDefs)
	for _, n := range st.Nodes {
		fillMap(&n.Pools)
	}
	for _, rd := range st.ResourceDefs {
		fillMap(&rd.Resources)
	}
}

func fillMap[K comparable, V any](m *map[K]V) {
	if *m == nil {
		*m = map[K]V{}
	}
}

// validate checks that a loaded state file is one this emulator can serve.
func (st *state) validate() error {
	if st.Version != stateVersion {
		return fmt.Errorf("unsupported state version %d (want %d)", st.Version, stateVersion)
	}
	if st.Nodes == nil || st.ResourceGroups == nil {
		return fmt.Errorf("state has no nodes or resource groups")
	}
	st.fill()
	return nil
}

// sortedKeys returns the keys of m in ascending order, the order LINSTOR's
// TreeMaps list objects in.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedNodes, sortedGroups and sortedDefs list objects by identity.
func (st *state) sortedNodes() []*node {
	out := make([]*node, 0, len(st.Nodes))
	for _, k := range sortedKeys(st.Nodes) {
		out = append(out, st.Nodes[k])
	}
	return out
}

func (st *state) sortedGroups() []*resourceGroup {
	out := make([]*resourceGroup, 0, len(st.ResourceGroups))
	for _, k := range sortedKeys(st.ResourceGroups) {
		out = append(out, st.ResourceGroups[k])
	}
	return out
}

func (st *state) sortedDefs() []*resourceDefinition {
	out := make([]*resourceDefinition, 0, len(st.ResourceDefs))
	for _, k := range sortedKeys(st.ResourceDefs) {
		out = append(out, st.ResourceDefs[k])
	}
	return out
}

// defsOf lists the resource definitions of the group with identity rgKey.
func (st *state) defsOf(rgKey string) []*resourceDefinition {
	var out []*resourceDefinition
	for _, rd := range st.sortedDefs() {
		if key(rd.Group) == rgKey {
			out = append(out, rd)
		}
	}
	return out
}

// sortedPools lists a node's storage pools by identity.
func (n *node) sortedPools() []*storagePool {
	out := make([]*storagePool, 0, len(n.Pools))
	for _, k := range sortedKeys(n.Pools) {
		out = append(out, n.Pools[k])
	}
	return out
}

// copyProps returns a copy of m that is never nil.
func copyProps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
