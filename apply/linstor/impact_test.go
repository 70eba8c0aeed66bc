package linstor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// spawn makes n resource definitions from the group, each with volumes of
// the given sizes in KiB.
func spawn(t *testing.T, c *cluster, rg string, n int, sizes ...int64) {
	t.Helper()
	for i := range n {
		err := c.gl.ResourceGroups.Spawn(context.Background(), rg, client.ResourceGroupSpawn{
			ResourceDefinitionName: fmt.Sprintf("%s-vol%d", rg, i), VolumeSizes: sizes})
		if err != nil {
			t.Fatalf("spawn from %s: %v", rg, err)
		}
	}
}

// balance runs the controller's balance task once.
func balance(t *testing.T, c *cluster) {
	t.Helper()
	if _, err := c.srv.Balance(); err != nil {
		t.Fatal(err)
	}
}

// diskfulReplicas counts the diskful resources of the group's definitions.
func diskfulReplicas(t *testing.T, d *Driver, rg string) int {
	t.Helper()
	rds, err := d.spawnedFrom(context.Background(), rg)
	if err != nil {
		t.Fatal(err)
	}
	_, n := totals(rds)
	return n
}

// impactOf plans want and returns the impact of the one change to name.
func impactOf(t *testing.T, d *Driver, want []artifact.Object, name string) (apply.Change, string) {
	t.Helper()
	cs, live := plan(t, d, want, true)
	if len(cs.Changes) != 1 || cs.Changes[0].Name != name {
		t.Fatalf("want one change of %s, got %+v", name, cs.Changes)
	}
	ch := cs.Changes[0]
	text, err := d.Impact(context.Background(), ch, find(live.Objects, name), find(want, name))
	if err != nil {
		t.Fatal(err)
	}
	return ch, text
}

// TestImpactOfPlaceCountRaise spawns resource definitions from a group,
// raises its place count and checks the impact's counts and bytes against
// what the apply then does.
func TestImpactOfPlaceCountRaise(t *testing.T) {
	c, d, want := appliedSandbox(t)
	spawn(t, c, "archive", 3, 1536<<10) // 1.5 GiB each
	before := diskfulReplicas(t, d, "archive")
	if before != 6 {
		t.Fatalf("spawned %d diskful replicas, want 3×2", before)
	}
	raised := edit(t, want, "archive", func(g *cl.Group) { g.SelectFilter.PlaceCount = 3 })
	_, text := impactOf(t, d, raised, "archive")
	requireContains(t, "impact", text, "archive: 3 resource definitions spawned from it (4.5 GiB of volumes, 6 diskful replicas)",
		"place count 2 → 3: LINSTOR places 3 more replicas during the change (4.5 GiB more data to replicate")
	converge(t, d, raised)
	if after := diskfulReplicas(t, d, "archive"); after != before+3 {
		t.Errorf("the apply left %d diskful replicas, the impact said %d", after, before+3)
	}
}

// TestImpactOfRaiseWhereDisklessResourcesCount: LINSTOR counts diskless
// resources against the place count, so a group placing diskless
// resources on the remaining nodes gains no replicas from a raise.
func TestImpactOfRaiseWhereDisklessResourcesCount(t *testing.T) {
	c, d, want := appliedSandbox(t)
	spawn(t, c, "standard", 2, 1<<20, 1<<20)
	raised := edit(t, want, "standard", func(g *cl.Group) { g.SelectFilter.PlaceCount = 3 })
	_, text := impactOf(t, d, raised, "standard")
	requireContains(t, "impact", text, "place count 2 → 3: every resource definition already has 3 resources or more (diskless ones count); none is added")
	before := diskfulReplicas(t, d, "standard")
	converge(t, d, raised)
	if after := diskfulReplicas(t, d, "standard"); after != before {
		t.Errorf("the apply changed the diskful replicas %d → %d, the impact said none", before, after)
	}
}

// TestImpactOfLoweringPoolsAndOptions: a lowering removes nothing at once,
// a pool change moves no data, DRBD options reach existing resources.
func TestImpactOfLoweringPoolsAndOptions(t *testing.T) {
	c, d, want := appliedSandbox(t)
	spawn(t, c, "fast", 2, 2<<20)
	lowered := edit(t, want, "fast", func(g *cl.Group) {
		g.SelectFilter.PlaceCount = 2
		g.SelectFilter.StoragePool, g.SelectFilter.StoragePoolList = "ssd-thick", []string{"ssd-thick"}
		g.Props["DrbdOptions/Net/protocol"] = "A"
		g.Props["FileSystem/Type"] = "xfs"
		g.VolumeGroups[0].Props[cl.PropSize] = "40GiB"
	})
	_, text := impactOf(t, d, lowered, "fast")
	t.Log(text)
	requireContains(t, "impact", text,
		"fast: 2 resource definitions spawned from it (4 GiB of volumes, 6 diskful replicas)",
		"place count 3 → 2: the change removes nothing at once; LINSTOR's balance task later removes 2 excess diskful replicas (4 GiB)",
		"BalanceResourcesGracePeriod",
		"storage pools changed: existing replicas stay where they are (4 GiB of volumes are not moved)",
		"DRBD options DrbdOptions/Net/protocol apply at once to the 2 existing resource definitions",
		"FileSystem/Type are used only when resources are created",
		"volume 0 size 20GiB → 40GiB: existing volumes keep their size")
	converge(t, d, lowered)
	if n := diskfulReplicas(t, d, "fast"); n != 6 {
		t.Errorf("lowering the place count changed the replicas at once: %d, want 6", n)
	}
	balance(t, c)
	if n := diskfulReplicas(t, d, "fast"); n != 6 {
		t.Errorf("the balance task removed replicas within the grace period: %d left, want 6", n)
	}
	c.clock.Add(61 * time.Minute)
	balance(t, c)
	if n := diskfulReplicas(t, d, "fast"); n != 4 {
		t.Errorf("after the grace period the balance task left %d diskful replicas; the impact said 2 of 6 go", n)
	}
}

// TestImpactIsEmptyWithoutResources and for creates.
func TestImpactIsEmptyWithoutResources(t *testing.T) {
	c, d, want := appliedSandbox(t)
	raised := edit(t, want, "standard", func(g *cl.Group) { g.SelectFilter.PlaceCount = 3 })
	if _, text := impactOf(t, d, raised, "standard"); text != "" {
		t.Errorf("impact without resource definitions: %q", text)
	}
	spawn(t, c, "standard", 1, 1<<20, 1<<20)
	if _, text := impactOf(t, d, raised, "standard"); text == "" {
		t.Error("no impact once a resource definition uses the group")
	}
}

// TestDeleteRefusedWhileInUse: a managed group that resource definitions
// use is not deleted, the error says how many; the impact says so too.
func TestDeleteRefusedWhileInUse(t *testing.T) {
	c, d, want := appliedSandbox(t)
	spawn(t, c, "standard", 2, 1<<20, 1<<20)
	var others []artifact.Object
	for _, o := range want {
		if o.Name != "standard" {
			others = append(others, o)
		}
	}
	ch, text := impactOf(t, d, others, "standard")
	requireContains(t, "delete impact", text, "2 resource definitions", "LINSTOR refuses to delete the group while they use it")
	err := d.Apply(context.Background(), ch, artifact.Object{})
	requireContains(t, "delete error", errString(err), "linstor resource group standard: delete:", "2 resource definitions still use it (standard-vol0, standard-vol1)")
	if _, err := c.gl.ResourceGroups.Get(context.Background(), "standard"); err != nil {
		t.Errorf("the group is gone: %v", err)
	}
}

// TestVolumeGroupAddRefusedWhileInUse: LINSTOR refuses new volume groups
// once resource definitions use the group; the driver says so before
// writing anything.
func TestVolumeGroupAddRefusedWhileInUse(t *testing.T) {
	c, d, want := appliedSandbox(t)
	spawn(t, c, "fast", 1, 1<<20)
	more := edit(t, want, "fast", func(g *cl.Group) {
		g.Description = "changed"
		g.VolumeGroups = append(g.VolumeGroups, client.VolumeGroup{VolumeNumber: 1, Props: map[string]string{"Aux/lingate/size": "1GiB"}})
	})
	err := d.Apply(context.Background(), apply.Change{Ref: ref("fast"), Action: apply.Update}, find(more, "fast"))
	requireContains(t, "error", errString(err), "cannot add volume group 1: the group is used by 1 resource definition, and LINSTOR refuses new volume groups")
	rg, _ := c.gl.ResourceGroups.Get(context.Background(), "fast")
	if rg.Description == "changed" {
		t.Error("the group was changed before the refusal")
	}
}

// TestReplaceRefusedWhileInUse: adding a volume group to a group in use
// (a replace) is refused with the count, and said so by the impact;
// unused, it is carried out in place and keeps the group.
func TestReplaceRefusedWhileInUse(t *testing.T) {
	c, d, want := appliedSandbox(t)
	two := edit(t, want, "fast", func(g *cl.Group) {
		g.VolumeGroups = append(g.VolumeGroups, client.VolumeGroup{VolumeNumber: 1, Props: map[string]string{cl.PropSize: "1GiB"}})
	})
	spawn(t, c, "fast", 2, 1<<20)
	ch, text := impactOf(t, d, two, "fast")
	if ch.Action != apply.Replace {
		t.Fatalf("want a replace, got %s", ch.Action)
	}
	requireContains(t, "impact", text, "the number of volume groups changes", "the apply refuses it")
	err := d.Apply(context.Background(), ch, find(two, "fast"))
	requireContains(t, "replace error", errString(err), "linstor resource group fast: replace:", "2 resource definitions still use it")
	for _, rd := range []string{"fast-vol0", "fast-vol1"} {
		if err := c.gl.ResourceDefinitions.Delete(context.Background(), rd); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := c.gl.ResourceGroups.Get(context.Background(), "fast")
	converge(t, d, two)
	after, _ := c.gl.ResourceGroups.Get(context.Background(), "fast")
	if before.Uuid != after.Uuid {
		t.Error("the replace deleted and re-created the group instead of changing it in place")
	}
}

// TestVolumeGroupRemovalWhileInUse: LINSTOR deletes a volume group of a
// group in use; the impact says spawned volumes stay, whether the plan
// calls it an update or a replace, and the apply of an update does it.
func TestVolumeGroupRemovalWhileInUse(t *testing.T) {
	c, d, want := appliedSandbox(t)
	one := edit(t, want, "standard", func(g *cl.Group) { g.VolumeGroups = g.VolumeGroups[:1] })
	spawn(t, c, "standard", 1, 1<<20, 1<<20)
	_, text := impactOf(t, d, one, "standard")
	requireContains(t, "impact", text, "volume group 1 removed: the volumes already spawned stay")
	if err := d.Apply(context.Background(), apply.Change{Ref: ref("standard"), Action: apply.Update}, find(one, "standard")); err != nil {
		t.Fatal(err)
	}
	if cs, _ := plan(t, d, one, true); changeOf(cs, "standard").Action != "" {
		t.Errorf("standard still differs: %+v", changeOf(cs, "standard"))
	}
}
