package linstor

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/LINBIT/golinstor/client"
)

func TestSeededNodesAndPools(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme-thin", "hdd-thick", "zfs-pool"},
		PoolProviders: map[string]string{"nvme-thin": "lvmthin", "hdd-thick": "LVM"}})
	nodes, err := h.c.Nodes.GetAll(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var zones []string
	for _, n := range nodes {
		zones = append(zones, n.Name+"="+n.Props["Aux/zone"])
		if n.Type != "SATELLITE" || n.ConnectionStatus != "ONLINE" || len(n.NetInterfaces) != 1 {
			t.Errorf("node %+v", n)
		}
	}
	if !reflect.DeepEqual(zones, []string{"node-a=zone-a", "node-b=zone-b", "node-c=zone-c"}) {
		t.Errorf("nodes %v", zones)
	}
	pools, err := h.c.Nodes.GetStoragePoolView(ctx())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]client.ProviderKind{}
	for _, sp := range pools {
		kinds[sp.NodeName+"/"+sp.StoragePoolName] = sp.ProviderKind
	}
	if len(pools) != 12 || kinds["node-b/nvme-thin"] != client.LVM_THIN || kinds["node-c/hdd-thick"] != client.LVM ||
		kinds["node-a/zfs-pool"] != client.ZFS || kinds["node-a/DfltDisklessStorPool"] != client.DISKLESS {
		t.Errorf("pool view %v", kinds)
	}
	one, err := h.c.Nodes.GetStoragePool(ctx(), "NODE-A", "NVME-THIN")
	if err != nil || one.StoragePoolName != "nvme-thin" || one.FreeCapacity != seedPoolCapacity ||
		one.StaticTraits["Provisioning"] != "Thin" || one.FreeSpaceMgrName != "node-a;nvme-thin" {
		t.Errorf("GetStoragePool = %+v, %v", one, err)
	}
}

func TestNodeAndPoolFilters(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	nodes, err := h.c.Nodes.GetAll(ctx(), &client.ListOpts{Prop: []string{"Aux/zone=zone-b"}})
	if err != nil || len(nodes) != 1 || nodes[0].Name != "node-b" {
		t.Errorf("props filter: %+v, %v", nodes, err)
	}
	nodes, _ = h.c.Nodes.GetAll(ctx(), &client.ListOpts{Node: []string{"NODE-C", "node-a"}})
	if len(nodes) != 2 || nodes[0].Name != "node-a" {
		t.Errorf("nodes filter: %+v", nodes)
	}
	nodes, _ = h.c.Nodes.GetAll(ctx(), &client.ListOpts{Limit: 1, Offset: 2})
	if len(nodes) != 1 || nodes[0].Name != "node-c" {
		t.Errorf("limit/offset: %+v", nodes)
	}
	pools, _ := h.c.Nodes.GetStoragePoolView(ctx(), &client.ListOpts{StoragePool: []string{"nvme"}, Node: []string{"node-b"}})
	if len(pools) != 1 || pools[0].NodeName != "node-b" {
		t.Errorf("pool view filter: %+v", pools)
	}
	pools, _ = h.c.Nodes.GetStoragePools(ctx(), "node-c")
	if len(pools) != 2 {
		t.Errorf("pools of node-c: %+v", pools)
	}
	if _, err := h.c.Nodes.GetStoragePools(ctx(), "node-x"); !errors.Is(err, client.NotFoundError) {
		t.Errorf("pools of a missing node: %v", err)
	}
	if _, err := h.c.Nodes.Get(ctx(), "node-x"); !errors.Is(err, client.NotFoundError) {
		t.Errorf("missing node: %v", err)
	}
	if _, err := h.c.Nodes.GetStoragePool(ctx(), "node-a", "ssd"); !errors.Is(err, client.NotFoundError) {
		t.Errorf("missing pool: %v", err)
	}
	n, err := h.c.Nodes.Get(ctx(), "Node-B")
	if err != nil || n.Name != "node-b" {
		t.Errorf("Get Node-B = %+v, %v", n, err)
	}
	h.do("GET", "/v1/nodes?limit=many", "").expect(t, http.StatusNotFound, failUnknownError)
}

func TestCustomNodes(t *testing.T) {
	h := newHarness(t, Config{Nodes: []NodeSeed{{"alpha", "r1"}, {"beta", ""}}})
	nodes, err := h.c.Nodes.GetAll(ctx())
	if err != nil || len(nodes) != 2 || nodes[0].Props["Aux/zone"] != "r1" {
		t.Fatalf("nodes %+v, %v", nodes, err)
	}
	if _, ok := nodes[1].Props["Aux/zone"]; ok {
		t.Errorf("a node without a zone has Aux/zone: %v", nodes[1].Props)
	}
}

func TestConfigIsChecked(t *testing.T) {
	bad := []Config{
		{Pools: []string{"x"}},
		{Pools: []string{"bad pool"}},
		{Pools: []string{"nvme"}, PoolProviders: map[string]string{"nvme": "TAPE"}},
		{Nodes: []NodeSeed{{"a", ""}}},
		{Nodes: []NodeSeed{{"same", ""}, {"SAME", ""}}},
	}
	for _, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted an invalid configuration", cfg)
		}
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.do("GET", "/v1/no-such-thing", "")
	r.expect(t, http.StatusNotFound, failUnknownError)
	if r.rcs[0].Message != "Path '/v1/no-such-thing' not found on server." {
		t.Errorf("404 entry %+v", r.rcs[0])
	}
	h.do("GET", "/health-of-nothing", "").expect(t, http.StatusNotFound, failUnknownError)
	r = h.do("PATCH", "/v1/resource-groups", `{}`)
	r.expect(t, http.StatusMethodNotAllowed, failUnknownError)
	if !strings.Contains(r.rcs[0].Message, "Method 'PATCH' not allowed") {
		t.Errorf("405 entry %+v", r.rcs[0])
	}
	v, err := h.c.Controller.GetVersion(ctx())
	if err != nil || v.RestApiVersion != restAPIVersion || v.Version == "" {
		t.Errorf("version %+v, %v", v, err)
	}
}

func TestPoolProviderGuesses(t *testing.T) {
	cfg := Config{PoolProviders: map[string]string{"fast": "zfsthin"}}
	want := map[string]string{"nvme": "LVM_THIN", "nvme-thin": "LVM_THIN", "hdd-thick": "LVM", "lvm": "LVM",
		"zfs-tank": "ZFS", "zfs-thin": "ZFS_THIN", "file-pool": "FILE", "file_thin": "FILE_THIN", "fast": "ZFS_THIN"}
	for pool, kind := range want {
		if got := cfg.provider(pool); got != kind {
			t.Errorf("provider(%q) = %s, want %s", pool, got, kind)
		}
	}
}
