package linstor

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/internal/emulator"
)

// spawn spawns through golinstor.
func spawn(t *testing.T, h *harness, rg, rd string, sizeKiB int64) error {
	t.Helper()
	return h.c.ResourceGroups.Spawn(ctx(), rg, client.ResourceGroupSpawn{
		ResourceDefinitionName: rd, VolumeSizes: []int64{sizeKiB}})
}

// tieBreakers lists the nodes holding a TIE_BREAKER replica of rd.
func tieBreakers(t *testing.T, h *harness, rd string) []string {
	t.Helper()
	rscs, err := h.c.Resources.GetAll(ctx(), rd)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rscs {
		if slices.Contains(r.Flags, "TIE_BREAKER") {
			out = append(out, r.NodeName)
		}
	}
	return out
}

func modify(t *testing.T, h *harness, rg string, m client.ResourceGroupModify) {
	t.Helper()
	if err := h.c.ResourceGroups.Modify(ctx(), rg, m); err != nil {
		t.Fatalf("modify %s: %v", rg, err)
	}
}

// StorPoolFilter disqualifies a node that lacks a replicas_on_same
// property, even while no value is decided yet.
func TestReplicasOnSameNeedsTheProperty(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"},
		Nodes: []NodeSeed{{"n0", ""}, {"n1", "zone-a"}, {"n2", "zone-b"}}})
	createGroup(t, h, `{"name":"same","select_filter":{"place_count":2,"replicas_on_same":["Aux/zone"]}}`)
	err := spawn(t, h, "same", "db1", 1024)
	if !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Fatalf("spawn with one node per zone and one without a zone: %v, want FailNotEnoughNodes", err)
	}
	createGroup(t, h, `{"name":"one","select_filter":{"place_count":1,"replicas_on_same":["Aux/zone"]}}`)
	if err := spawn(t, h, "one", "db2", 1024); err != nil {
		t.Fatal(err)
	}
	if diskful, _ := replicasOf(t, h, "db2"); !reflect.DeepEqual(diskful, []string{"n1:nvme"}) {
		t.Errorf("placement %v, want n1 (n0 has no Aux/zone)", diskful)
	}
}

// Selector/SelectionManager: provider kinds mix per
// DeviceProviderKind.isMixingAllowed; LVM with LVM_THIN only with
// AllowMixingStoragePoolDriver=true, FILE with LVM never.
func TestProviderKindsMixOnlyAsAllowed(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"lvm", "thin", "file"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":1,"storage_pool":"thin"}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024],"select_filter":{"storage_pool":"lvm"}}`)
	raise := func(pools ...string) error {
		return h.c.ResourceGroups.Modify(ctx(), "gold", client.ResourceGroupModify{
			SelectFilter: client.AutoSelectFilter{PlaceCount: 2, StoragePoolList: pools}})
	}
	if err := raise("thin"); !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Fatalf("LVM replica plus LVM_THIN without the property: %v, want FailNotEnoughNodes", err)
	}
	modify(t, h, "gold", client.ResourceGroupModify{OverrideProps: map[string]string{"AllowMixingStoragePoolDriver": "true"}})
	if err := raise("file"); !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Fatalf("LVM replica plus FILE: %v, want FailNotEnoughNodes even with mixing allowed", err)
	}
	if err := raise("thin"); err != nil {
		t.Fatalf("LVM replica plus LVM_THIN with AllowMixingStoragePoolDriver=true: %v", err)
	}
	if diskful, _ := replicasOf(t, h, "db1"); !reflect.DeepEqual(diskful, []string{"node-a:lvm", "node-b:thin"}) {
		t.Errorf("placement %v", diskful)
	}
}

// Thin pools keep their free space, so the reserved-space and
// resource-count strategies spread definitions over the nodes.
func TestThinPoolsSpreadDefinitions(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"one","select_filter":{"place_count":1}}`)
	var got []string
	for _, rd := range []string{"db1", "db2", "db3", "db4"} {
		if err := spawn(t, h, "one", rd, 1024); err != nil {
			t.Fatal(err)
		}
		diskful, _ := replicasOf(t, h, rd)
		got = append(got, diskful...)
	}
	want := []string{"node-a:nvme", "node-b:nvme", "node-c:nvme", "node-a:nvme"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("placements %v, want %v", got, want)
	}
}

// CtrlRscAutoTieBreakerHelper: a tie breaker for any even diskful count of
// two or more, none when quorum is turned off by the user, none when an
// eligible diskless replica exists, and a warning when no node is left.
func TestTieBreakerRules(t *testing.T) {
	five := []NodeSeed{{"n1", "z1"}, {"n2", "z2"}, {"n3", "z3"}, {"n4", "z4"}, {"n5", "z5"}}
	h := newHarness(t, Config{Pools: []string{"nvme"}, Nodes: five})
	createGroup(t, h, `{"name":"four","select_filter":{"place_count":4}}`)
	r := spawnOK(t, h, "four", `{"resource_definition_name":"db4","volume_sizes":[1024]}`)
	if tb := tieBreakers(t, h, "db4"); !reflect.DeepEqual(tb, []string{"n5"}) {
		t.Errorf("four diskful replicas: tie breaker on %v, want n5", tb)
	}
	if !r.hasCode(infoTieBreakerCreated | maskCrt | maskRscGrp) {
		t.Errorf("spawn entries %v lack INFO_TIE_BREAKER_CREATED", codes(r.rcs))
	}
	createGroup(t, h, `{"name":"three","select_filter":{"place_count":3}}`)
	spawnOK(t, h, "three", `{"resource_definition_name":"db3","volume_sizes":[1024]}`)
	if tb := tieBreakers(t, h, "db3"); tb != nil {
		t.Errorf("odd diskful count: tie breaker on %v", tb)
	}
	createGroup(t, h, `{"name":"off","select_filter":{"place_count":2}}`)
	modify(t, h, "off", client.ResourceGroupModify{OverrideProps: map[string]string{"DrbdOptions/Resource/quorum": "off"}})
	spawnOK(t, h, "off", `{"resource_definition_name":"dboff","volume_sizes":[1024]}`)
	if tb := tieBreakers(t, h, "dboff"); tb != nil {
		t.Errorf("quorum off set by the user: tie breaker on %v", tb)
	}
	// diskless_on_remaining creates DRBD clients, which have no quorum vote:
	// a tie breaker is still wanted, and no node is left for it.
	r = spawnOK(t, h, "four", `{"resource_definition_name":"dbdl","volume_sizes":[1024],
		"select_filter":{"place_count":2,"diskless_on_remaining":true}}`)
	if _, diskless := replicasOf(t, h, "dbdl"); len(diskless) != 3 || tieBreakers(t, h, "dbdl") != nil ||
		!r.hasCode(warnNotEnoughNodesForTieBreaker|maskCrt|maskRscGrp) {
		t.Errorf("diskless on remaining: diskless %v, tie breakers %v, entries %v", diskless, tieBreakers(t, h, "dbdl"), codes(r.rcs))
	}

	two := newHarness(t, Config{Pools: []string{"nvme"}, Nodes: five[:2]})
	createGroup(t, two, `{"name":"pair","select_filter":{"place_count":2}}`)
	r = spawnOK(t, two, "pair", `{"resource_definition_name":"db2","volume_sizes":[1024]}`)
	if !r.hasCode(warnNotEnoughNodesForTieBreaker|maskCrt|maskRscGrp) || tieBreakers(t, two, "db2") != nil {
		t.Errorf("two nodes only: entries %v, want WARN_NOT_ENOUGH_NODES_FOR_TIE_BREAKER", codes(r.rcs))
	}
}

// The tie breaker honours the group's replicas_on_different: with two
// diskful replicas in zones a and b, it goes to a node of another zone.
func TestTieBreakerHonoursTheGroupFilter(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"},
		Nodes: []NodeSeed{{"a1", "zone-a"}, {"a2", "zone-a"}, {"b1", "zone-b"}, {"c1", "zone-c"}}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":2,"replicas_on_different":["Aux/zone"]}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024]}`)
	diskful, _ := replicasOf(t, h, "db1")
	if !reflect.DeepEqual(diskful, []string{"a1:nvme", "b1:nvme"}) {
		t.Fatalf("placement %v", diskful)
	}
	if tb := tieBreakers(t, h, "db1"); !reflect.DeepEqual(tb, []string{"c1"}) {
		t.Errorf("tie breaker on %v, want c1 (a2 shares zone-a)", tb)
	}
}

// Autoplace entries carry CtrlRscAutoPlaceApiCallHandler's ret codes and
// object references: in a spawn, the spawn's context (a resource group);
// in a place count raise, the autoplace's own (a resource).
func TestAutoplaceEntries(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":1}}`)
	r := spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024]}`)
	placed := findEntry(r.rcs, rcCreated|maskCrt|maskRscGrp, "Resource 'db1' successfully autoplaced on 1 nodes")
	want := map[string]string{"RscGrp": "gold", "RscDfn": "db1", "Node/0": "node-a", "StoragePool/0/0": "nvme,LVM_THIN"}
	if placed == nil || !reflect.DeepEqual(placed.ObjRefs, want) ||
		placed.Details != "Used nodes (storage pool name): 'node-a (nvme)'" {
		t.Errorf("spawn's autoplace entry %+v, want refs %v", placed, want)
	}
	r = h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"place_count":2}}`)
	r.expect(t, http.StatusOK, rcRGModified)
	placed = findEntry(r.rcs, rcCreated|maskCrt|maskRsc, "Resource 'db1' successfully autoplaced on 1 nodes")
	want = map[string]string{"RscGrp": "gold", "RscDfn": "db1", "Node/0": "node-b", "StoragePool/0/0": "nvme,LVM_THIN"}
	if placed == nil || !reflect.DeepEqual(placed.ObjRefs, want) {
		t.Errorf("raise's autoplace entry %+v, want refs %v; body %s", placed, want, r.body)
	}
	// Then the tie breaker helper's entry and the deployment's answers:
	// per node of the definition, then "ready" for the new replica.
	var got []string
	for _, rc := range r.rcs[2:] {
		got = append(got, fmt.Sprintf("%d %s", rc.RetCode, rc.Message))
	}
	wantRcs := []string{
		fmt.Sprintf("%d Tie breaker resource 'db1' created on node-c", infoTieBreakerCreated|maskCrt|maskRsc),
		fmt.Sprintf("%d Added peer(s) 'node-b' to resource 'db1' on 'node-a'", rcModified|maskCrt|maskRsc),
		fmt.Sprintf("%d Created resource 'db1' on 'node-b'", rcModified|maskCrt|maskRsc),
		fmt.Sprintf("%d Added peer(s) 'node-b' to resource 'db1' on 'node-c'", rcModified|maskCrt|maskRsc),
		fmt.Sprintf("%d Resource 'db1' on 'node-b' ready", rcCreated|maskCrt|maskRsc),
	}
	if !reflect.DeepEqual(got, wantRcs) || r.rcs[len(r.rcs)-1].Details != "Auto-placing resource: db1" {
		t.Errorf("entries after the autoplace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRcs, "\n"))
	}
}

func findEntry(rcs []apiCallRc, code int64, msg string) *apiCallRc {
	for i := range rcs {
		if rcs[i].RetCode == code && rcs[i].Message == msg {
			return &rcs[i]
		}
	}
	return nil
}

// A raise autoplaces each definition in its own transaction: one that
// cannot get its replica is reported and the next one still gets its own.
func TestRaiseAutoplacesEachDefinitionAlone(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"thick"}})
	const gib = 1 << 20
	createGroup(t, h, `{"name":"hog","select_filter":{"place_count":2}}`)
	if err := spawn(t, h, "hog", "hog", 800*gib); err != nil {
		t.Fatal(err)
	}
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":1}}`)
	for rd, size := range map[string]int64{"db-big": 800 * gib, "db-small": 1024} {
		if err := spawn(t, h, "gold", rd, size); err != nil {
			t.Fatal(err)
		}
	}
	r := h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"place_count":2}}`)
	r.expect(t, http.StatusInternalServerError, rcRGModified)
	if len(r.rcs) < 3 || r.rcs[1].RetCode != failNotEnoughNodes|maskCrt|maskRsc || r.rcs[1].ObjRefs["RscDfn"] != "db-big" ||
		findEntry(r.rcs, rcCreated|maskCrt|maskRsc, "Resource 'db-small' successfully autoplaced on 1 nodes") == nil {
		t.Errorf("entries %v: %s", codes(r.rcs), r.body)
	}
	if big, _ := replicasOf(t, h, "db-big"); len(big) != 1 {
		t.Errorf("db-big %v, want its one replica", big)
	}
	if small, _ := replicasOf(t, h, "db-small"); len(small) != 2 {
		t.Errorf("db-small %v, want two replicas", small)
	}
}

// Lowering the place count removes nothing until BalanceResourcesTask runs
// after the grace period; it then removes the excess, and the tie breaker
// helper adds a tie breaker for the even count left.
func TestLoweringPlaceCountWaitsForTheBalanceTask(t *testing.T) {
	clk := emulator.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := newHarness(t, Config{Pools: []string{"nvme"}, Now: clk.Now})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":3}}`)
	createGroup(t, h, `{"name":"kept","select_filter":{"place_count":3}}`)
	for _, rg := range []string{"gold", "kept"} {
		if err := spawn(t, h, rg, "db-"+rg, 1024); err != nil {
			t.Fatal(err)
		}
		modify(t, h, rg, client.ResourceGroupModify{SelectFilter: client.AutoSelectFilter{PlaceCount: 2}})
	}
	modify(t, h, "kept", client.ResourceGroupModify{OverrideProps: map[string]string{"BalanceResourcesEnabled": "false"}})
	if diskful, _ := replicasOf(t, h, "db-gold"); len(diskful) != 3 {
		t.Fatalf("right after the PUT: %v, want the three replicas", diskful)
	}
	clk.Add(59 * time.Minute)
	if res, err := h.srv.Balance(); err != nil || res != (BalanceResult{}) {
		t.Fatalf("balance within the grace period: %v, %v", res, err)
	}
	clk.Add(2 * time.Minute)
	res, err := h.srv.Balance()
	if err != nil || res != (BalanceResult{Deleted: 1}) {
		t.Fatalf("balance after the grace period: %v, %v", res, err)
	}
	diskful, _ := replicasOf(t, h, "db-gold")
	if !reflect.DeepEqual(diskful, []string{"node-b:nvme", "node-c:nvme"}) ||
		!reflect.DeepEqual(tieBreakers(t, h, "db-gold"), []string{"node-a"}) {
		t.Errorf("after balance: %v, tie breaker %v", diskful, tieBreakers(t, h, "db-gold"))
	}
	if kept, _ := replicasOf(t, h, "db-kept"); len(kept) != 3 {
		t.Errorf("BalanceResourcesEnabled=false: %v, want three replicas", kept)
	}
}

// The balance task also adds what a definition lacks once it is out of the
// grace period, and leaves definitions without resources alone.
func TestBalanceAddsMissingReplicas(t *testing.T) {
	clk := emulator.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := newHarness(t, Config{Pools: []string{"nvme"}, Now: clk.Now, BalanceGracePeriod: time.Minute})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":3}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024],"select_filter":{"place_count":1}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"empty","volume_sizes":[1024],"definitions_only":true}`)
	if res, err := h.srv.Balance(); err != nil || res != (BalanceResult{}) {
		t.Fatalf("balance within the grace period: %v, %v", res, err)
	}
	clk.Add(2 * time.Minute)
	res, err := h.srv.Balance()
	if err != nil {
		t.Fatal(err)
	}
	if diskful, _ := replicasOf(t, h, "db1"); len(diskful) != 3 || res != (BalanceResult{Adjusted: 1}) {
		t.Errorf("after balance: %v (%v)", diskful, res)
	}
	if rscs, _ := h.c.Resources.GetAll(ctx(), "empty"); len(rscs) != 0 {
		t.Errorf("a definition without resources got %d", len(rscs))
	}
}

// A diskless replica with a quorum vote (not a DRBD client) on a node the
// group's filter allows stands in for the tie breaker; on a node the filter
// rules out it does not. The API cannot create one, so the state is set
// by hand.
func TestEligibleDisklessReplicaReplacesTheTieBreaker(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"},
		Nodes: []NodeSeed{{"a1", "zone-a"}, {"b1", "zone-b"}, {"c1", "zone-c"}, {"a2", "zone-a"}}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":2,"replicas_on_different":["Aux/zone"]}}`)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024],
		"select_filter":{"diskless_on_remaining":true}}`)
	s := h.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	rd := s.st.ResourceDefs["DB1"]
	if !s.shouldTieBreakerExist(rd) {
		t.Fatal("only DRBD clients beside two diskful replicas: a tie breaker should exist")
	}
	rd.Resources["A2"].Client = false
	if !s.shouldTieBreakerExist(rd) {
		t.Error("a voting diskless replica in zone-a (taken by a1) is not eligible; a tie breaker should exist")
	}
	rd.Resources["C1"].Client = false
	if s.shouldTieBreakerExist(rd) {
		t.Error("a voting diskless replica in zone-c is eligible; no tie breaker should exist")
	}
}

// Replicas already on nodes with different replicas_on_same values leave
// the autoplacer nothing to decide on (StorPoolFilter).
func TestReplicasOnSameUndecidable(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":2}}`)
	if err := spawn(t, h, "gold", "db1", 1024); err != nil {
		t.Fatal(err)
	}
	err := h.c.ResourceGroups.Modify(ctx(), "gold", client.ResourceGroupModify{
		SelectFilter: client.AutoSelectFilter{PlaceCount: 3, ReplicasOnSame: []string{"Aux/zone"}}})
	if !client.IsApiCallError(err, linstor.FailUndecidableAutoplacment) {
		t.Errorf("raise with replicas in zone-a and zone-b: %v, want FailUndecidableAutoplacment", err)
	}
}
