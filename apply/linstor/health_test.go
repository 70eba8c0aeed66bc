package linstor

import (
	"context"
	"testing"

	"github.com/LINBIT/golinstor/client"
)

// TestReadHealth spawns resources from a group lingate applied and reads
// their health as nodes fail and come back.
func TestReadHealth(t *testing.T) {
	c, d, want := appliedSandbox(t)
	g := want[0].Name
	spawn(t, c, g, 2, 1024)
	ctx := context.Background()

	h := readHealth(t, d, g, "no-such-group")
	if h.Groups[1].Found || h.Groups[1].Resources != 0 {
		t.Errorf("an absent group reads as %+v", h.Groups[1])
	}
	requireGroup(t, h.Groups[0], GroupHealth{Group: g, Found: true, PlaceCount: h.Groups[0].PlaceCount, Resources: 2, Healthy: 2})
	if len(h.Nodes) != 3 || !h.Nodes[0].Online || !h.Nodes[1].Online || !h.Nodes[2].Online {
		t.Errorf("nodes: %+v, want three online", h.Nodes)
	}
	if len(h.Pools) == 0 {
		t.Error("no storage pools read")
	}
	for _, p := range h.Pools {
		if p.TotalBytes <= 0 || p.FreeBytes > p.TotalBytes || p.FreeBytes < 0 {
			t.Errorf("pool %+v: capacities out of range", p)
		}
	}

	rscs, err := c.gl.Resources.GetResourceView(ctx, &client.ListOpts{Resource: []string{g + "-vol0"}})
	if err != nil || len(rscs) == 0 {
		t.Fatalf("resources of %s-vol0: %v (%d)", g, err, len(rscs))
	}
	lost := rscs[0].NodeName
	if err := c.srv.SetNodeOnline(lost, false); err != nil {
		t.Fatal(err)
	}
	h = readHealth(t, d, g)
	if got := h.Groups[0]; got.Degraded+got.Failed == 0 || got.Healthy+got.Degraded+got.Failed != 2 {
		t.Errorf("with %s offline: %+v, want %s-vol0 degraded or failed", lost, got, g)
	}
	for _, n := range h.Nodes {
		if n.Online == (n.Name == lost) {
			t.Errorf("node %s online=%v with %s failed", n.Name, n.Online, lost)
		}
	}

	for _, n := range h.Nodes {
		if err := c.srv.SetNodeOnline(n.Name, false); err != nil {
			t.Fatal(err)
		}
	}
	requireGroup(t, readHealth(t, d, g).Groups[0], GroupHealth{Group: g, Found: true, PlaceCount: h.Groups[0].PlaceCount, Resources: 2, Failed: 2})

	for _, n := range h.Nodes {
		if err := c.srv.SetNodeOnline(n.Name, true); err != nil {
			t.Fatal(err)
		}
	}
	requireGroup(t, readHealth(t, d, g).Groups[0], GroupHealth{Group: g, Found: true, PlaceCount: h.Groups[0].PlaceCount, Resources: 2, Healthy: 2})
}

func readHealth(t *testing.T, d *Driver, groups ...string) Health {
	t.Helper()
	h, err := d.ReadHealth(context.Background(), groups)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func requireGroup(t *testing.T, got, want GroupHealth) {
	t.Helper()
	if got != want {
		t.Errorf("group health %+v, want %+v", got, want)
	}
	if got.PlaceCount < 1 {
		t.Errorf("place count %d", got.PlaceCount)
	}
}
