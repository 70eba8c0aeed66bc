package linstor

import (
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
)

// spawnOK spawns through the raw API and requires 201.
func spawnOK(t *testing.T, h *harness, rg, body string) raw {
	t.Helper()
	r := h.do("POST", "/v1/resource-groups/"+rg+"/spawn", body)
	if r.status != http.StatusCreated {
		t.Fatalf("spawn %s: %d %s", body, r.status, r.body)
	}
	return r
}

// replicasOf lists "node:pool" for the diskful replicas of rd and the nodes
// of its diskless ones, as /v1/view/resources shows them.
func replicasOf(t *testing.T, h *harness, rd string) (diskful, diskless []string) {
	t.Helper()
	rscs, err := h.c.Resources.GetResourceView(ctx(), &client.ListOpts{Resource: []string{rd}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rscs {
		if slices.Contains(r.Flags, "DISKLESS") {
			diskless = append(diskless, r.NodeName)
			continue
		}
		diskful = append(diskful, r.NodeName+":"+r.Volumes[0].StoragePoolName)
	}
	sort.Strings(diskful)
	return diskful, diskless
}

func createGroup(t *testing.T, h *harness, body string) {
	t.Helper()
	h.do("POST", "/v1/resource-groups", body).expect(t, http.StatusCreated, 0)
}

func TestSpawnPlacesReplicasInDifferentZones(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme", "hdd"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":3,"storage_pool":"nvme",
		"replicas_on_different":["Aux/zone"],"layer_stack":["DRBD","STORAGE"]}}`)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	err := h.c.ResourceGroups.Spawn(ctx(), "gold", client.ResourceGroupSpawn{
		ResourceDefinitionName: "db1", VolumeSizes: []int64{1 << 20}})
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	diskful, diskless := replicasOf(t, h, "db1")
	want := []string{"node-a:nvme", "node-b:nvme", "node-c:nvme"}
	if !reflect.DeepEqual(diskful, want) || diskless != nil {
		t.Fatalf("placement %v / %v, want %v", diskful, diskless, want)
	}
	rds, err := h.c.ResourceDefinitions.GetAll(ctx(), client.RDGetAllRequest{WithVolumeDefinitions: true})
	if err != nil || len(rds) != 1 || rds[0].ResourceGroupName != "gold" || len(rds[0].VolumeDefinitions) != 1 ||
		rds[0].VolumeDefinitions[0].SizeKib != 1<<20 {
		t.Fatalf("resource definitions %+v, %v", rds, err)
	}
	rd, err := h.c.ResourceDefinitions.Get(ctx(), "DB1")
	if err != nil || rd.Name != "db1" || len(rd.LayerData) != 2 || rd.LayerData[0].Type != "DRBD" {
		t.Errorf("Get DB1 = %+v, %v", rd, err)
	}
	rscs, err := h.c.Resources.GetAll(ctx(), "db1")
	if err != nil || len(rscs) != 3 || rscs[0].Props["StorPoolName"] != "nvme" {
		t.Errorf("resources of db1 = %+v, %v", rscs, err)
	}
}

func TestSpawnAnswerEntries(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":3}}`)
	r := spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024,2048],"select_filter":{}}`)
	if r.rcs[0].RetCode != maskInfo|maskCrt|maskRscGrp || !strings.Contains(r.rcs[0].Message, "assume partial mode") {
		t.Errorf("first entry %+v, want the partial-mode INFO", r.rcs[0])
	}
	var msgs []string
	for _, rc := range r.rcs {
		msgs = append(msgs, rc.Message)
		if rc.ObjRefs["RscGrp"] != "gold" || rc.ObjRefs["RscDfn"] != "db1" {
			t.Errorf("entry without the spawn's object references: %+v", rc)
		}
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"New resource definition 'db1' created.",
		"Volume definition with number '1' successfully  created in resource definition 'db1'.",
		"Resource 'db1' successfully autoplaced on 3 nodes", "Resource 'db1' on 'node-c' ready"} {
		if !strings.Contains(all, want) {
			t.Errorf("entries lack %q:\n%s", want, all)
		}
	}
	r = spawnOK(t, h, "gold", `{"resource_definition_name":"db2","volume_sizes":[1024],"definitions_only":true}`)
	if !r.hasCode(infoNoRscSpawned | maskCrt | maskRscGrp) {
		t.Errorf("definitions_only entries %v", codes(r.rcs))
	}
	if diskful, diskless := replicasOf(t, h, "db2"); diskful != nil || diskless != nil {
		t.Errorf("definitions_only placed %v %v", diskful, diskless)
	}
}

func TestSpawnFailsWithNotEnoughNodesAndRollsBack(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":4}}`)
	err := h.c.ResourceGroups.Spawn(ctx(), "gold", client.ResourceGroupSpawn{ResourceDefinitionName: "db1",
		VolumeSizes: []int64{1024}})
	if !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Fatalf("Spawn with place_count 4 on 3 nodes: %v, want FailNotEnoughNodes", err)
	}
	r := h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"db1","volume_sizes":[1024]}`)
	r.expect(t, http.StatusInternalServerError, failNotEnoughNodes|maskCrt|maskRscGrp)
	if r.rcs[0].Message != "Not enough available nodes" || !strings.Contains(r.rcs[0].Details, "Replica count: 4") {
		t.Errorf("entry %+v", r.rcs[0])
	}
	if _, err := h.c.ResourceDefinitions.Get(ctx(), "db1"); !errors.Is(err, client.NotFoundError) {
		t.Errorf("failed spawn left its resource definition: %v", err)
	}
	if err := h.c.ResourceGroups.Delete(ctx(), "gold"); err != nil {
		t.Errorf("group of a failed spawn cannot be deleted: %v", err)
	}
}

func TestSpawnTopologyRules(t *testing.T) {
	nodes := []NodeSeed{{"n1", "east"}, {"n2", "east"}, {"n3", "west"}, {"n4", "west"}, {"n5", ""}}
	cases := []struct {
		name, filter string
		want         []string // diskful nodes, nil for FAIL_NOT_ENOUGH_NODES
	}{
		{"same zone", `{"place_count":2,"replicas_on_same":["Aux/zone"]}`, []string{"n1", "n2"}},
		{"same zone forced", `{"place_count":2,"replicas_on_same":["Aux/zone=west"]}`, []string{"n3", "n4"}},
		{"same zone too many", `{"place_count":3,"replicas_on_same":["Aux/zone"]}`, nil},
		{"different zones", `{"place_count":3,"replicas_on_different":["Aux/zone"]}`, []string{"n1", "n3", "n5"}},
		{"different zones too many", `{"place_count":4,"replicas_on_different":["Aux/zone"]}`, nil},
		{"x per zone", `{"place_count":4,"x_replicas_on_different_map":{"Aux/zone":2}}`, []string{"n1", "n2", "n3", "n4"}},
		{"zone excluded", `{"place_count":2,"replicas_on_different":["Aux/zone=east"]}`, []string{"n3", "n5"}},
		{"node list", `{"place_count":2,"node_name_list":["n4","N5"]}`, []string{"n4", "n5"}},
		{"provider", `{"place_count":1,"provider_list":["ZFS"]}`, nil},
		{"pool", `{"place_count":1,"storage_pool_list":["missing"]}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{Nodes: nodes, Pools: []string{"nvme"}})
			createGroup(t, h, `{"name":"rg"}`)
			r := h.do("POST", "/v1/resource-groups/rg/spawn",
				`{"resource_definition_name":"r1","volume_sizes":[1024],"select_filter":`+c.filter+`}`)
			if c.want == nil {
				r.expect(t, http.StatusInternalServerError, failNotEnoughNodes|maskCrt|maskRscGrp)
				return
			}
			r.expect(t, http.StatusCreated, 0)
			diskful, _ := replicasOf(t, h, "r1")
			var got []string
			for _, d := range diskful {
				got = append(got, strings.TrimSuffix(d, ":nvme"))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("placed on %v, want %v", got, c.want)
			}
		})
	}
}

func TestSpawnNotPlaceWith(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"rg","select_filter":{"place_count":2}}`)
	spawnOK(t, h, "rg", `{"resource_definition_name":"db1","volume_sizes":[1024],
		"select_filter":{"place_count":1,"node_name_list":["node-a"]}}`)
	spawnOK(t, h, "rg", `{"resource_definition_name":"app1","volume_sizes":[1024],
		"select_filter":{"not_place_with_rsc":["DB1"],"diskless_on_remaining":false}}`)
	diskful, diskless := replicasOf(t, h, "app1")
	if !reflect.DeepEqual(diskful, []string{"node-b:nvme", "node-c:nvme"}) || !reflect.DeepEqual(diskless, []string{"node-a"}) {
		t.Errorf("app1 on %v + tie breaker %v, want diskful replicas away from db1", diskful, diskless)
	}
	// The tie breaker of app1 on node-a is a resource too: nothing is left.
	h.do("POST", "/v1/resource-groups/rg/spawn", `{"resource_definition_name":"app2","volume_sizes":[1024],
		"select_filter":{"place_count":1,"not_place_with_rsc_regex":"^(db|APP)"}}`).
		expect(t, http.StatusInternalServerError, failNotEnoughNodes|maskCrt|maskRscGrp)
}

func TestSpawnTieBreakerAndDisklessOnRemaining(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"rg"}`)
	spawnOK(t, h, "rg", `{"resource_definition_name":"two","volume_sizes":[1024]}`)
	diskful, diskless := replicasOf(t, h, "two")
	if len(diskful) != 2 || len(diskless) != 1 {
		t.Fatalf("place_count 2: %v + %v, want two diskful and a tie breaker", diskful, diskless)
	}
	rscs, _ := h.c.Resources.GetAll(ctx(), "two")
	var flags [][]string
	for _, r := range rscs {
		if r.Flags != nil {
			flags = append(flags, r.Flags)
		}
	}
	if !reflect.DeepEqual(flags, [][]string{{"DISKLESS", "DRBD_DISKLESS", "TIE_BREAKER"}}) {
		t.Errorf("flags %v", flags)
	}
	spawnOK(t, h, "rg", `{"resource_definition_name":"one","volume_sizes":[1024],
		"select_filter":{"place_count":1,"diskless_on_remaining":true}}`)
	if diskful, diskless := replicasOf(t, h, "one"); len(diskful) != 1 || len(diskless) != 2 {
		t.Errorf("diskless_on_remaining: %v + %v", diskful, diskless)
	}
	h.do("PUT", "/v1/resource-groups/rg", `{"override_props":{"DrbdOptions/auto-add-quorum-tiebreaker":"false"}}`).
		expect(t, http.StatusOK, rcPropsSet)
	spawnOK(t, h, "rg", `{"resource_definition_name":"notb","volume_sizes":[1024]}`)
	if _, diskless := replicasOf(t, h, "notb"); diskless != nil {
		t.Errorf("tie breaker despite auto-add-quorum-tiebreaker=false: %v", diskless)
	}
}

func TestSpawnErrors(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold"}`)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	err := h.c.ResourceGroups.Spawn(ctx(), "missing", client.ResourceGroupSpawn{ResourceDefinitionName: "x1"})
	if !errors.Is(err, client.NotFoundError) {
		t.Errorf("spawn from a missing group: %v", err)
	}
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"x1","volume_sizes":[1,2]}`).
		expect(t, http.StatusInternalServerError, failInvldVlmSizes|maskCrt|maskRscGrp)
	spawnOK(t, h, "gold", `{"resource_definition_name":"x1","volume_sizes":[1,2],"partial":true}`)
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"X1","volume_sizes":[1]}`).
		expect(t, http.StatusInternalServerError, rcRGHasRDs)
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"x-2!","volume_sizes":[1]}`).
		expect(t, http.StatusInternalServerError, failInvldRscName|maskCrt|maskRscGrp)
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"x3","volume_sizes":[1],
		"select_filter":{"layer_stack":["STORAGE","DRBD"]}}`).
		expect(t, http.StatusInternalServerError, failInvldLayerStack|maskCrt|maskRscGrp)
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"x3","volume_sizes":[1],
		"select_filter":{"layer_stack":["FLOPPY"]}}`).expect(t, http.StatusBadRequest, rcInvalidLayer)
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"x3","sizes":[1]}`).
		expect(t, http.StatusInternalServerError, rcParseError)
	r := spawnOK(t, h, "gold", `{"resource_definition_name":"x4","volume_sizes":[1],"select_filter":{"layer_stack":["drbd"]}}`)
	if !r.hasCode(warnStorageKindAdded | maskCrt | maskRscGrp) {
		t.Errorf("a stack without STORAGE gets the warning: %v", codes(r.rcs))
	}
	err = h.c.ResourceGroups.Delete(ctx(), "gold")
	if !client.IsApiCallError(err, linstor.FailExistsRscDfn) {
		t.Errorf("Delete of a group with resource definitions: %v", err)
	}
	h.do("DELETE", "/v1/resource-groups/gold", "").expect(t, http.StatusInternalServerError, rcRGHasRDs)
}

func TestDeleteResourceDefinitionFreesTheGroup(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"thick"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":3}}`)
	pool := func() int64 {
		sp, err := h.c.Nodes.GetStoragePool(ctx(), "node-a", "thick")
		if err != nil {
			t.Fatal(err)
		}
		return sp.FreeCapacity
	}
	before := pool()
	spawnOK(t, h, "gold", `{"resource_definition_name":"big","volume_sizes":[1048576]}`)
	if got := pool(); got != before-1048576 {
		t.Errorf("thick pool free %d after a 1 GiB volume, want %d", got, before-1048576)
	}
	if err := h.c.ResourceDefinitions.Delete(ctx(), "big"); err != nil {
		t.Fatal(err)
	}
	if got := pool(); got != before {
		t.Errorf("free %d after delete, want %d", got, before)
	}
	h.do("DELETE", "/v1/resource-definitions/big", "").expect(t, http.StatusOK, warnNotFound|maskDel|maskRscDfn)
	if err := h.c.ResourceGroups.Delete(ctx(), "gold"); err != nil {
		t.Errorf("group delete after its definitions are gone: %v", err)
	}
	h.do("POST", "/v1/resource-groups", `{"name":"huge","select_filter":{"place_count":1}}`).expect(t, http.StatusCreated, 0)
	h.do("POST", "/v1/resource-groups/huge/spawn", `{"resource_definition_name":"big","volume_sizes":[2147483648]}`).
		expect(t, http.StatusInternalServerError, failNotEnoughNodes|maskCrt|maskRscGrp)
}

func TestRaisingPlaceCountAddsReplicas(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":1}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024]}`)
	if err := h.c.ResourceGroups.Modify(ctx(), "gold", client.ResourceGroupModify{
		SelectFilter: client.AutoSelectFilter{PlaceCount: 3}}); err != nil {
		t.Fatal(err)
	}
	if diskful, diskless := replicasOf(t, h, "db1"); len(diskful) != 3 || diskless != nil {
		t.Errorf("after place_count 3: %v + %v", diskful, diskless)
	}
	r := h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"place_count":5}}`)
	r.expect(t, http.StatusInternalServerError, rcRGModified)
	// The failure is the autoplace's own (CtrlRscAutoPlaceApiCallHandler's
	// context: a resource), with the group's reference added.
	if !r.hasCode(failNotEnoughNodes|maskCrt|maskRsc) || r.rcs[1].ObjRefs["RscDfn"] != "db1" ||
		r.rcs[1].ObjRefs["RscGrp"] != "gold" || !strings.HasSuffix(r.rcs[1].Details, "\nAuto-placing resource: db1") {
		t.Errorf("entries %v: %s", codes(r.rcs), r.body)
	}
	rg, _ := h.c.ResourceGroups.Get(ctx(), "gold")
	if rg.SelectFilter.PlaceCount != 5 {
		t.Errorf("the modification is committed before autoplace fails; place_count %d", rg.SelectFilter.PlaceCount)
	}
}

// A definition spawned without replicas keeps working after a rolled-back
// call and after a restart, both of which rebuild the state from JSON: a
// later place count raise places its replicas instead of failing.
func TestDefinitionWithoutReplicasSurvivesRollbackAndRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "linstor.json")
	cfg := Config{StateFile: file, Pools: []string{"nvme"}}
	h := newHarness(t, cfg)
	raise := func(rg string) {
		t.Helper()
		err := h.c.ResourceGroups.Modify(ctx(), rg, client.ResourceGroupModify{SelectFilter: client.AutoSelectFilter{PlaceCount: 2}})
		if err != nil {
			t.Fatalf("place count raise of %s: %v", rg, err)
		}
	}
	for _, rg := range []string{"gold", "silver"} {
		createGroup(t, h, `{"name":"`+rg+`","select_filter":{"place_count":1}}`)
		spawnOK(t, h, rg, `{"resource_definition_name":"db-`+rg+`","volume_sizes":[1024],"definitions_only":true}`)
	}
	h.do("POST", "/v1/resource-groups", `{"name":"gold"}`).expect(t, http.StatusInternalServerError, rcRGExists)
	raise("gold")
	h = newHarness(t, cfg)
	raise("silver")
	for _, rd := range []string{"db-gold", "db-silver"} {
		if diskful, _ := replicasOf(t, h, rd); len(diskful) != 2 {
			t.Errorf("%s replicas %v, want 2", rd, diskful)
		}
	}
}

// A tie breaker is not a replica: raising the place count from 2 to 3 on
// a group whose definitions have two diskful replicas and a tie breaker
// adds the third diskful replica (reference §1.3, PUT item 4).
func TestRaisingPlaceCountIgnoresTieBreakers(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":2}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024]}`)
	if diskful, diskless := replicasOf(t, h, "db1"); len(diskful) != 2 || len(diskless) != 1 {
		t.Fatalf("place count 2: %v + %v, want two diskful and a tie breaker", diskful, diskless)
	}
	if err := h.c.ResourceGroups.Modify(ctx(), "gold", client.ResourceGroupModify{
		SelectFilter: client.AutoSelectFilter{PlaceCount: 3}}); err != nil {
		t.Fatal(err)
	}
	if diskful, diskless := replicasOf(t, h, "db1"); len(diskful) != 3 || diskless != nil {
		t.Errorf("after place count 3: %v + %v, want three diskful replicas", diskful, diskless)
	}
}
