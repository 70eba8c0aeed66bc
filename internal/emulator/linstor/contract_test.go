package linstor

// Contract tests: the behaviour lingate relies on, checked through golinstor
// only. They run against the emulator by default and against a real LINSTOR
// controller when LS_CONTROLLERS is set (with golinstor's other LS_*
// variables for TLS and credentials). Against a real controller the parts
// that change it run only with LINGATE_ACC_LINSTOR=1; they use unique names
// starting with "lingate-acc-" and delete what they create.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
)

type contractTarget struct {
	c    *client.Client
	real bool
}

func newContractTarget(t *testing.T) *contractTarget {
	t.Helper()
	if os.Getenv("LS_CONTROLLERS") == "" {
		return &contractTarget{c: newHarness(t, Config{Pools: []string{"nvme", "lvm"}}).c}
	}
	c, err := client.NewClient(client.Log(nil))
	if err != nil {
		t.Fatalf("golinstor client from LS_* variables: %v", err)
	}
	return &contractTarget{c: c, real: true}
}

// mutating skips a test that changes a real controller unless allowed.
func (ct *contractTarget) mutating(t *testing.T) {
	t.Helper()
	if ct.real && os.Getenv("LINGATE_ACC_LINSTOR") != "1" {
		t.Skip("changes the controller; set LINGATE_ACC_LINSTOR=1 to run against LS_CONTROLLERS")
	}
}

func uniqueName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "lingate-acc-" + hex.EncodeToString(b)
}

// group creates a resource group and deletes it (and the resource
// definitions named in rds) when the test ends.
func (ct *contractTarget) group(t *testing.T, rg client.ResourceGroup, rds *[]string) {
	t.Helper()
	if err := ct.c.ResourceGroups.Create(ctx(), rg); err != nil {
		t.Fatalf("create %s: %v", rg.Name, err)
	}
	t.Cleanup(func() {
		for _, rd := range *rds {
			if err := ct.c.ResourceDefinitions.Delete(ctx(), rd); err != nil {
				t.Errorf("cleanup: delete resource definition %s: %v", rd, err)
			}
		}
		if err := ct.c.ResourceGroups.Delete(ctx(), rg.Name); err != nil {
			t.Errorf("cleanup: delete resource group %s: %v", rg.Name, err)
		}
	})
}

func TestContractReadOnly(t *testing.T) {
	ct := newContractTarget(t)
	v, err := ct.c.Controller.GetVersion(ctx())
	if err != nil || v.RestApiVersion == "" {
		t.Fatalf("version %+v, %v", v, err)
	}
	if _, err := ct.c.ResourceGroups.Get(ctx(), uniqueName(t)); !errors.Is(err, client.NotFoundError) {
		t.Errorf("Get of a missing group: %v, want NotFoundError", err)
	}
	rgs, err := ct.c.ResourceGroups.GetAll(ctx())
	if err != nil {
		t.Fatal(err)
	}
	names := rgNames(rgs)
	upper := make([]string, len(names))
	for i, n := range names {
		upper[i] = strings.ToUpper(n)
	}
	if !sort.StringsAreSorted(upper) {
		t.Errorf("groups are not sorted by upper-cased name: %v", names)
	}
	nodes, err := ct.c.Nodes.GetAll(ctx())
	if err != nil {
		t.Fatal(err)
	}
	pools, err := ct.c.Nodes.GetStoragePoolView(ctx())
	if err != nil {
		t.Fatal(err)
	}
	diskless := map[string]bool{}
	for _, sp := range pools {
		if sp.ProviderKind == client.DISKLESS {
			diskless[sp.NodeName] = true
		}
	}
	for _, n := range nodes {
		if n.Type == "SATELLITE" && !diskless[n.Name] {
			t.Errorf("satellite %s has no diskless pool", n.Name)
		}
	}
}

func TestContractResourceGroupSemantics(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	name := uniqueName(t)
	ct.group(t, client.ResourceGroup{Name: name, Description: "contract",
		Props: map[string]string{"Aux/lingate/ignored": "1"}}, &[]string{})
	rs := ct.c.ResourceGroups
	if err := rs.Create(ctx(), client.ResourceGroup{Name: strings.ToUpper(name)}); !client.IsApiCallError(err, linstor.FailExistsRscGrp) {
		t.Errorf("duplicate create: %v, want FailExistsRscGrp", err)
	}
	rg, err := rs.Get(ctx(), strings.ToUpper(name))
	if err != nil || rg.Name != name || rg.Props != nil || rg.SelectFilter.PlaceCount != 2 {
		t.Fatalf("Get = %+v, %v; want display name, no props, place_count 2", rg, err)
	}
	err = rs.Modify(ctx(), name, client.ResourceGroupModify{OverrideProps: map[string]string{
		"DrbdOptions/Resource/auto-promote": "Yes", "DrbdOptions/Resource/quorum": "majority",
		"Aux/lingate/owner": "contract"}, SelectFilter: client.AutoSelectFilter{ReplicasOnDifferent: []string{"Aux/zone"}}})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	err = rs.Modify(ctx(), name, client.ResourceGroupModify{
		OverrideProps: map[string]string{"Aux/lingate/x": "1", "DrbdOptions/Net/protocol": "D"}})
	if !client.IsApiCallError(err, linstor.FailInvldProp) {
		t.Errorf("invalid protocol: %v, want FailInvldProp", err)
	}
	if err := rs.Modify(ctx(), name, client.ResourceGroupModify{SelectFilter: client.AutoSelectFilter{PlaceCount: 3}}); err != nil {
		t.Fatal(err)
	}
	rg, _ = rs.Get(ctx(), name)
	wantProps := map[string]string{"DrbdOptions/Resource/auto-promote": "yes", "DrbdOptions/Resource/quorum": "majority",
		"Internal/Drbd/QuorumSetBy": "user", "Aux/lingate/owner": "contract"}
	if !reflect.DeepEqual(rg.Props, wantProps) || rg.SelectFilter.PlaceCount != 3 ||
		!reflect.DeepEqual(rg.SelectFilter.ReplicasOnDifferent, []string{"Aux/zone"}) {
		t.Errorf("after modifications: %+v", rg)
	}
	owned, err := rs.GetAll(ctx(), &client.ListOpts{Prop: []string{"Aux/lingate/owner=contract"}})
	if err != nil || !reflect.DeepEqual(rgNames(owned), []string{name}) {
		t.Errorf("owned groups %v, %v", rgNames(owned), err)
	}
	for range 2 {
		if err := rs.CreateVolumeGroup(ctx(), name, client.VolumeGroup{}); err != nil {
			t.Fatal(err)
		}
	}
	vgs, err := rs.GetVolumeGroups(ctx(), name)
	if err != nil || !reflect.DeepEqual(vgNumbers(vgs), []int32{0, 1}) {
		t.Errorf("volume groups %v, %v", vgNumbers(vgs), err)
	}
	if err := rs.Delete(ctx(), name); err != nil {
		t.Fatal(err)
	}
	if err := rs.Delete(ctx(), name); err != nil {
		t.Errorf("second delete: %v, want nil (200 with a warning)", err)
	}
	if _, err := rs.Get(ctx(), name); !errors.Is(err, client.NotFoundError) {
		t.Errorf("Get after delete: %v", err)
	}
}

func TestContractResourceDefinitionsPinTheGroup(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	name := uniqueName(t)
	rd := name + "-rd"
	ct.group(t, client.ResourceGroup{Name: name}, &[]string{rd})
	rs := ct.c.ResourceGroups
	if err := rs.CreateVolumeGroup(ctx(), name, client.VolumeGroup{}); err != nil {
		t.Fatal(err)
	}
	err := rs.Spawn(ctx(), name, client.ResourceGroupSpawn{ResourceDefinitionName: rd,
		VolumeSizes: []int64{4096}, DefinitionsOnly: true})
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	got, err := ct.c.ResourceDefinitions.Get(ctx(), rd)
	if err != nil || got.ResourceGroupName != name {
		t.Errorf("spawned definition %+v, %v", got, err)
	}
	if err := rs.CreateVolumeGroup(ctx(), name, client.VolumeGroup{}); !client.IsApiCallError(err, linstor.FailExistsRscDfn) {
		t.Errorf("volume group with a definition: %v, want FailExistsRscDfn", err)
	}
	// Removing one is allowed (lingate plans a removal as an update).
	if err := rs.DeleteVolumeGroup(ctx(), name, 0); err != nil {
		t.Errorf("deleting the volume group of a group with a definition: %v, want nil", err)
	}
	if err := rs.Delete(ctx(), name); !client.IsApiCallError(err, linstor.FailExistsRscDfn) {
		t.Errorf("group delete with a definition: %v, want FailExistsRscDfn", err)
	}
}

// spawn spawns a resource definition from a group.
func (ct *contractTarget) spawn(t *testing.T, rg string, spawn client.ResourceGroupSpawn) error {
	t.Helper()
	return ct.c.ResourceGroups.Spawn(ctx(), rg, spawn)
}

// replicas maps the nodes of rd's diskful replicas to their pools and
// lists its tie breakers.
func (ct *contractTarget) replicas(t *testing.T, rd string) (diskful map[string]string, tieBreakers []string) {
	t.Helper()
	rscs, err := ct.c.Resources.GetAll(ctx(), rd)
	if err != nil {
		t.Fatalf("resources of %s: %v", rd, err)
	}
	diskful = map[string]string{}
	for _, r := range rscs {
		switch {
		case slices.Contains(r.Flags, "TIE_BREAKER"):
			tieBreakers = append(tieBreakers, r.NodeName)
		case !slices.Contains(r.Flags, "DISKLESS"):
			diskful[r.NodeName] = r.Props["StorPoolName"]
		}
	}
	return diskful, tieBreakers
}

// groupWith creates a uniquely named group with the filter and names one
// resource definition per suffix; they and the group are deleted when the
// test ends.
func (ct *contractTarget) groupWith(t *testing.T, f client.AutoSelectFilter, suffixes ...string) (string, []string) {
	t.Helper()
	name := uniqueName(t)
	rds := make([]string, len(suffixes))
	for i, sfx := range suffixes {
		rds[i] = name + "-" + sfx
	}
	ct.group(t, client.ResourceGroup{Name: name, SelectFilter: f}, &rds)
	return name, rds
}

// StorPoolFilter: a node without a replicas_on_same property never
// qualifies, even before any replica decides the value.
func TestContractReplicasOnSameNeedsTheProperty(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	name, rds := ct.groupWith(t, client.AutoSelectFilter{PlaceCount: 1,
		ReplicasOnSame: []string{"Aux/" + uniqueName(t)}}, "rd")
	err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: rds[0], VolumeSizes: []int64{4096}})
	if !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Errorf("replicas_on_same on a property no node has: %v, want FailNotEnoughNodes", err)
	}
}

// CtrlRscAutoTieBreakerHelper: two diskful replicas get a tie breaker;
// none when the user turned quorum off.
func TestContractTieBreaker(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	nodes, err := ct.c.Nodes.GetAll(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) < 3 {
		t.Skip("needs three nodes")
	}
	name, rds := ct.groupWith(t, client.AutoSelectFilter{PlaceCount: 2}, "rd", "off")
	rd, off := rds[0], rds[1]
	if err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: rd, VolumeSizes: []int64{4096}}); err != nil {
		t.Fatal(err)
	}
	if diskful, tb := ct.replicas(t, rd); len(diskful) != 2 || len(tb) != 1 {
		t.Errorf("place count 2: diskful %v, tie breakers %v; want 2 and 1", diskful, tb)
	}
	err = ct.c.ResourceGroups.Modify(ctx(), name, client.ResourceGroupModify{
		OverrideProps: map[string]string{"DrbdOptions/Resource/quorum": "off"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: off, VolumeSizes: []int64{4096}}); err != nil {
		t.Fatal(err)
	}
	if diskful, tb := ct.replicas(t, off); len(diskful) != 2 || tb != nil {
		t.Errorf("quorum off: diskful %v, tie breakers %v; want 2 and none", diskful, tb)
	}
}

// diskless_on_remaining fills every other node with DRBD clients: with two
// diskful replicas no tie breaker fits (the controller warns).
func TestContractDisklessOnRemainingLeavesNoTieBreaker(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	name, rds := ct.groupWith(t, client.AutoSelectFilter{PlaceCount: 2, DisklessOnRemaining: true}, "rd")
	rd := rds[0]
	if err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: rd, VolumeSizes: []int64{4096}}); err != nil {
		t.Fatal(err)
	}
	rscs, err := ct.c.Resources.GetAll(ctx(), rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(rscs) < 3 {
		t.Skipf("needs three nodes with a diskless pool; %d resources", len(rscs))
	}
	if diskful, tb := ct.replicas(t, rd); len(diskful) != 2 || tb != nil {
		t.Errorf("diskful %v, tie breakers %v among %d resources; want 2 and none", diskful, tb, len(rscs))
	}
}

// A place count raise autoplaces each definition on its own: one that
// cannot be placed fails the call, the other still gets its replica.
func TestContractRaiseAutoplacesEachDefinition(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	name, rds := ct.groupWith(t, client.AutoSelectFilter{PlaceCount: 1}, "a-small", "b-huge")
	small, huge := rds[0], rds[1]
	if err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: small, VolumeSizes: []int64{4096}}); err != nil {
		t.Fatal(err)
	}
	err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: huge, VolumeSizes: []int64{1 << 40},
		DefinitionsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = ct.c.ResourceGroups.Modify(ctx(), name, client.ResourceGroupModify{SelectFilter: client.AutoSelectFilter{PlaceCount: 2}})
	if !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Errorf("raise with a 1 PiB definition: %v, want FailNotEnoughNodes", err)
	}
	if diskful, _ := ct.replicas(t, small); len(diskful) != 2 {
		t.Errorf("the other definition: %v, want two replicas", diskful)
	}
}

// DeviceProviderKind.isMixingAllowed: a replica in an LVM pool and one in
// an LVM_THIN pool only with AllowMixingStoragePoolDriver=true.
func TestContractProviderMixing(t *testing.T) {
	ct := newContractTarget(t)
	ct.mutating(t)
	thick, thin := poolsOfKind(t, ct, client.LVM), poolsOfKind(t, ct, client.LVM_THIN)
	if len(thick) == 0 || len(thin) == 0 {
		t.Skip("needs an LVM and an LVM_THIN storage pool")
	}
	name, rds := ct.groupWith(t, client.AutoSelectFilter{PlaceCount: 1}, "rd")
	err := ct.spawn(t, name, client.ResourceGroupSpawn{ResourceDefinitionName: rds[0], VolumeSizes: []int64{4096},
		SelectFilter: client.AutoSelectFilter{StoragePool: thick[0]}})
	if err != nil {
		t.Fatal(err)
	}
	raise := func() error {
		return ct.c.ResourceGroups.Modify(ctx(), name, client.ResourceGroupModify{
			SelectFilter: client.AutoSelectFilter{PlaceCount: 2, StoragePoolList: thin}})
	}
	if err := raise(); !client.IsApiCallError(err, linstor.FailNotEnoughNodes) {
		t.Errorf("LVM replica, LVM_THIN pools only: %v, want FailNotEnoughNodes", err)
	}
	err = ct.c.ResourceGroups.Modify(ctx(), name, client.ResourceGroupModify{
		OverrideProps: map[string]string{linstor.KeyRscAllowMixingDeviceKind: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := raise(); err != nil {
		t.Errorf("with %s=true: %v", linstor.KeyRscAllowMixingDeviceKind, err)
	}
}

// poolsOfKind lists the names of the storage pools of one provider kind.
func poolsOfKind(t *testing.T, ct *contractTarget, kind client.ProviderKind) []string {
	t.Helper()
	pools, err := ct.c.Nodes.GetStoragePoolView(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sp := range pools {
		if sp.ProviderKind == kind && !slices.Contains(out, sp.StoragePoolName) {
			out = append(out, sp.StoragePoolName)
		}
	}
	return out
}
