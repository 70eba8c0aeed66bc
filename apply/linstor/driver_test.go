package linstor

import (
	"bytes"
	"context"
	"testing"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	cl "github.com/lingate/lingate/compile/linstor"
)

// TestApplyExampleThenPlanIsEmpty applies every resource group the example
// policies compile for each environment to an empty controller and reads
// them back byte for byte as compiled.
func TestApplyExampleThenPlanIsEmpty(t *testing.T) {
	for _, env := range []string{"sandbox", "staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			c := newCluster(t)
			d := c.driver(t, env)
			want := desired(t, env)
			cs, live := plan(t, d, want, true)
			if len(cs.Changes) != len(want) || len(live.Objects) != 0 || len(live.Foreign) != 0 {
				t.Fatalf("empty controller: want %d creates, got %+v (live %d, foreign %d)", len(want), cs.Changes, len(live.Objects), len(live.Foreign))
			}
			for _, ch := range cs.Changes {
				if ch.Action != apply.Create {
					t.Errorf("%s: %s, want create", ch.Name, ch.Action)
				}
			}
			applyAll(t, d, cs, want)
			_, live = plan(t, d, want, true)
			for _, w := range want {
				got := find(live.Objects, w.Name)
				if len(got.Files) != 1 || !bytes.Equal(got.Files[0].Data, w.Files[0].Data) || got.Files[0].Path != w.Files[0].Path {
					t.Errorf("%s reads back differently:\n%+v\nwant\n%s", w.Name, got.Files, w.Files[0].Data)
				}
			}
			requireEmpty(t, d, want)
			rg, err := c.gl.ResourceGroups.Get(context.Background(), want[0].Name)
			if err != nil {
				t.Fatal(err)
			}
			if rg.Props[cl.PropCommit] != "c0ffee" || rg.Props[cl.PropManagedBy] != cl.ManagedBy {
				t.Errorf("provenance not stamped: %v", rg.Props)
			}
		})
	}
}

// TestUpdatePropsReplicasPools changes a prop, the place count, the pools
// and the description of an applied group; the apply makes live match.
func TestUpdatePropsReplicasPools(t *testing.T) {
	c, d, want := appliedSandbox(t)
	changed := edit(t, want, "standard", func(g *cl.Group) {
		g.Props["DrbdOptions/Net/protocol"] = "A"
		delete(g.Props, "DrbdOptions/Resource/quorum")
		g.SelectFilter.PlaceCount = 3
		g.SelectFilter.StoragePool = "nvme-thin"
		g.SelectFilter.StoragePoolList = []string{"nvme-thin"}
		g.SelectFilter.ReplicasOnDifferent = nil
		f := false
		g.DisklessOnRemaining = &f
		g.SelectFilter.DisklessOnRemaining = false
		g.Description = ""
		g.VolumeGroups[1].Props["Aux/lingate/size"] = "99GiB"
	})
	cs, _ := plan(t, d, changed, true)
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update || cs.Changes[0].Name != "standard" {
		t.Fatalf("want one update of standard, got %+v", cs.Changes)
	}
	applyAll(t, d, cs, changed)
	requireEmpty(t, d, changed)
	rg, err := c.gl.ResourceGroups.Get(context.Background(), "standard")
	if err != nil {
		t.Fatal(err)
	}
	if rg.SelectFilter.PlaceCount != 3 || len(rg.SelectFilter.ReplicasOnDifferent) != 0 || rg.Description != "" {
		t.Errorf("controller holds %+v", rg)
	}
	if _, ok := rg.Props["DrbdOptions/Resource/quorum"]; ok {
		t.Errorf("quorum prop not deleted: %v", rg.Props)
	}
}

// TestDriftShowsAsUpdate changes a managed group by hand; the plan shows
// the difference and the apply undoes it.
func TestDriftShowsAsUpdate(t *testing.T) {
	c, d, want := appliedSandbox(t)
	err := c.gl.ResourceGroups.Modify(context.Background(), "fast", client.ResourceGroupModify{
		OverrideProps: map[string]string{"DrbdOptions/Net/protocol": "B", "DrbdOptions/Disk/disk-flushes": "No"},
		SelectFilter:  client.AutoSelectFilter{NotPlaceWithRscRegex: "^db-.*", ReplicasOnSame: []string{"Aux/zone"}}})
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := plan(t, d, want, true)
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update {
		t.Fatalf("want one update, got %+v", cs.Changes)
	}
	requireContains(t, "drift diff", cs.Changes[0].Diff, `-    "DrbdOptions/Net/protocol": "B"`, `+    "DrbdOptions/Net/protocol": "C"`, `-    "DrbdOptions/Disk/disk-flushes": "no"`,
		`-    "not_place_with_rsc_regex": "^db-.*"`, `-    "replicas_on_same": [`)
	applyAll(t, d, cs, want)
	requireEmpty(t, d, want)
	rg, err := c.gl.ResourceGroups.Get(context.Background(), "fast")
	if err != nil || rg.SelectFilter.NotPlaceWithRscRegex != "" || len(rg.SelectFilter.ReplicasOnSame) != 0 {
		t.Errorf("the hand-made filter was not cleared: %+v %v", rg.SelectFilter, err)
	}
}

// TestForeignGroup: a same-named group without the marker is Foreign, a
// create over it is refused naming the adopt command, and an update (the
// adopt) takes it over.
func TestForeignGroup(t *testing.T) {
	c := newCluster(t)
	d := c.driver(t, "sandbox")
	want := desired(t, "sandbox")
	ctx := context.Background()
	if err := c.gl.ResourceGroups.Create(ctx, client.ResourceGroup{Name: "fast", Description: "made by hand"}); err != nil {
		t.Fatal(err)
	}
	if err := c.gl.ResourceGroups.Create(ctx, client.ResourceGroup{Name: "unrelated"}); err != nil {
		t.Fatal(err)
	}
	live, err := d.Read(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Objects) != 0 || len(live.Foreign) != 1 || live.Foreign[0].Name != "fast" {
		t.Fatalf("want fast foreign and nothing managed, got %d managed, foreign %+v", len(live.Objects), live.Foreign)
	}
	err = d.Apply(ctx, apply.Change{Ref: ref("fast"), Action: apply.Create}, find(want, "fast"))
	requireContains(t, "create over a foreign group", errString(err), "without lingate's marker", "lingate apply --adopt fast")
	if err := d.Apply(ctx, apply.Change{Ref: ref("fast"), Action: apply.Update}, find(want, "fast")); err != nil {
		t.Fatalf("adopt: %v", err)
	}
	live, err = d.Read(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Objects) != 1 || len(live.Foreign) != 0 || !bytes.Equal(live.Objects[0].Files[0].Data, find(want, "fast").Files[0].Data) {
		t.Fatalf("after the adopt fast is not managed as compiled: %+v", live)
	}
	err = d.Apply(ctx, apply.Change{Ref: ref("unrelated"), Action: apply.Delete}, find(want, "none"))
	requireContains(t, "delete of an unmarked group", errString(err), "no Aux/lingate/managed-by=lingate marker")
}

// TestOtherEnvironmentsGroupsAreNotRead: groups lingate manages for another
// environment on the same controller are neither read nor pruned.
func TestOtherEnvironmentsGroupsAreNotRead(t *testing.T) {
	c := newCluster(t)
	converge(t, c.driver(t, "staging"), desired(t, "staging"))
	d := c.driver(t, "sandbox")
	cs, live := plan(t, d, nil, true)
	if len(live.Objects) != 0 || !cs.Empty() {
		t.Fatalf("sandbox reads staging's groups: %+v", cs.Changes)
	}
}

// TestPruneDeletesManagedGroup removes a group that left the policies.
func TestPruneDeletesManagedGroup(t *testing.T) {
	c, d, want := appliedSandbox(t)
	fewer := want[1:]
	cs, _ := plan(t, d, fewer, true)
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Delete || cs.Changes[0].Name != want[0].Name {
		t.Fatalf("want a delete of %s, got %+v", want[0].Name, cs.Changes)
	}
	applyAll(t, d, cs, fewer)
	requireEmpty(t, d, fewer)
	if _, err := c.gl.ResourceGroups.Get(context.Background(), want[0].Name); err == nil {
		t.Fatalf("%s still exists", want[0].Name)
	}
}

func ref(name string) apply.Ref {
	return apply.Ref{Env: "sandbox", System: "linstor", Kind: "resource-group", Name: name}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestNamesAreCaseInsensitive: a group created as FAST is the policies'
// fast (LINSTOR compares names upper-cased); adopting it converges.
func TestNamesAreCaseInsensitive(t *testing.T) {
	c := newCluster(t)
	d := c.driver(t, "sandbox")
	want := desired(t, "sandbox")
	ctx := context.Background()
	if err := c.gl.ResourceGroups.Create(ctx, client.ResourceGroup{Name: "FAST"}); err != nil {
		t.Fatal(err)
	}
	live, err := d.Read(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Foreign) != 1 || live.Foreign[0].Name != "fast" {
		t.Fatalf("want FAST read as the foreign fast, got %+v", live.Foreign)
	}
	if err := d.Apply(ctx, apply.Change{Ref: ref("fast"), Action: apply.Replace}, find(want, "fast")); err != nil {
		t.Fatalf("adopting FAST, whose volume groups differ: %v", err)
	}
	if cs, _ := plan(t, d, want, true); changeOf(cs, "fast").Action != "" {
		t.Fatalf("fast still differs after the adopt: %+v", changeOf(cs, "fast"))
	}
	rg, err := c.gl.ResourceGroups.Get(ctx, "fast")
	if err != nil || rg.Uuid == "" {
		t.Fatalf("FAST was not kept: %v", err)
	}
}
