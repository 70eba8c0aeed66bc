package placement

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestSameKeySameAnswer: two views read separately (two instances, or one
// after a restart) answer every key alike, and each answer names a
// resource of the tier with the nodes LINSTOR placed it on.
func TestSameKeySameAnswer(t *testing.T) {
	cl := newCluster(t, 50)
	a, b := cl.view(t), cl.view(t)
	used := map[string]int{}
	for _, k := range keys(2000) {
		x, err := a.Lookup("sandbox", "gold", k)
		if err != nil {
			t.Fatal(err)
		}
		y, err := b.Lookup("sandbox", "gold", k)
		if err != nil {
			t.Fatal(err)
		}
		if x.Resource != y.Resource || x.Node != y.Node || !slices.Equal(x.Nodes, y.Nodes) {
			t.Fatalf("key %s: %+v on one instance, %+v on the other", k, x, y)
		}
		if len(x.Nodes) != 2 || !slices.Contains(x.Nodes, x.Node) {
			t.Fatalf("key %s: %+v: expected the 2 replicas placed and the node among them", k, x)
		}
		used[x.Resource]++
	}
	if len(used) != 50 {
		t.Errorf("2000 keys landed on %d of 50 resources", len(used))
	}
	for r, n := range used {
		if n < 10 || n > 90 { // 40 expected
			t.Errorf("resource %s got %d of 2000 keys (expected about 40)", r, n)
		}
	}
}

// TestAddingResourcesMovesAboutOneNth measures the keys that move when 10
// resources join 90: about 10/100 and only onto the new ones.
func TestAddingResourcesMovesAboutOneNth(t *testing.T) {
	cl := newCluster(t, 90)
	v := cl.view(t)
	ks := keys(20000)
	before := make([]string, len(ks))
	for i, k := range ks {
		a, _ := v.Lookup("sandbox", "gold", k)
		before[i] = a.Resource
	}
	cl.spawn(t, 90, 100)
	cl.refresh(t, v)
	moved := 0
	for i, k := range ks {
		a, _ := v.Lookup("sandbox", "gold", k)
		if a.Resource == before[i] {
			continue
		}
		moved++
		if a.Resource < "r-00090" {
			t.Fatalf("key %s moved from %s to the old resource %s", k, before[i], a.Resource)
		}
	}
	frac := float64(moved) / float64(len(ks))
	t.Logf("%d of %d keys moved (%.4f; 1/n = 0.1)", moved, len(ks), frac)
	if frac < 0.08 || frac > 0.12 {
		t.Errorf("%.4f of the keys moved when 10 resources joined 90 (expected about 0.1)", frac)
	}
}

// TestFailoverAndRestore fails a node in the emulator: after the next
// refresh no answer names it, keys on it move to the surviving UpToDate
// replica, the others keep their node; restoring it brings back exactly
// the keys that had been there.
func TestFailoverAndRestore(t *testing.T) {
	cl := newCluster(t, 30)
	v := cl.view(t)
	ks := keys(3000)
	before := lookupAll(t, v, ks)
	if err := cl.emu.SetNodeOnline("node-b", false); err != nil {
		t.Fatal(err)
	}
	cl.refresh(t, v)
	during := lookupAll(t, v, ks)
	movedAway := 0
	for i := range ks {
		b, d := before[i], during[i]
		if d.Resource != b.Resource || slices.Contains(d.Nodes, "node-b") || d.Node == "node-b" {
			t.Fatalf("key %s with node-b failed: %+v (before %+v)", ks[i], d, b)
		}
		if b.Node == "node-b" {
			movedAway++
			if !slices.Contains(b.Nodes, d.Node) {
				t.Fatalf("key %s moved to %s, which held no replica: %+v", ks[i], d.Node, b)
			}
		} else if d.Node != b.Node {
			t.Fatalf("key %s moved from %s to %s although its node survived", ks[i], b.Node, d.Node)
		}
	}
	if movedAway == 0 {
		t.Fatal("no key was on node-b: the test shows nothing")
	}
	if err := cl.emu.SetNodeOnline("node-b", true); err != nil {
		t.Fatal(err)
	}
	cl.refresh(t, v)
	after := lookupAll(t, v, ks)
	for i := range ks {
		if after[i].Node != before[i].Node || !slices.Equal(after[i].Nodes, before[i].Nodes) {
			t.Fatalf("key %s after restore: %+v (before the failure %+v)", ks[i], after[i], before[i])
		}
	}
}

func lookupAll(t *testing.T, v *View, ks []string) []Answer {
	t.Helper()
	out := make([]Answer, len(ks))
	for i, k := range ks {
		a, err := v.Lookup("sandbox", "gold", k)
		if err != nil {
			t.Fatalf("key %s: %v", k, err)
		}
		out[i] = a
	}
	return out
}

// TestNoHealthyReplica: with both replicas of a resource gone the answer
// names the resource, no nodes, and ErrNoReplica.
func TestNoHealthyReplica(t *testing.T) {
	cl := newCluster(t, 1)
	v := cl.view(t)
	a, _ := v.Lookup("sandbox", "gold", "k")
	for _, n := range a.Nodes {
		if err := cl.emu.SetNodeOnline(n, false); err != nil {
			t.Fatal(err)
		}
	}
	cl.refresh(t, v)
	got, err := v.Lookup("sandbox", "gold", "k")
	if !errors.Is(err, ErrNoReplica) || got.Resource != a.Resource || len(got.Nodes) != 0 || got.Node != "" {
		t.Fatalf("both replicas offline: %+v, %v (expected %s without nodes and ErrNoReplica)", got, err, a.Resource)
	}
	if _, err := v.Lookup("sandbox", "silver", "k"); !errors.Is(err, ErrNoResource) {
		t.Errorf("silver, a group LINSTOR lacks: %v (expected ErrNoResource)", err)
	}
	if _, err := NewView([]Tier{gold}).Lookup("sandbox", "gold", "k"); !errors.Is(err, ErrNotRead) {
		t.Errorf("a view never read: %v (expected ErrNotRead)", err)
	}
}

// TestPrimaryPreferred: a DRBD Primary holding an UpToDate replica is the
// node; a Primary without one is ignored.
func TestPrimaryPreferred(t *testing.T) {
	v := NewView([]Tier{gold})
	rs := []Resource{{Name: "r1", Nodes: []string{"n3", "n1", "n2"}, Primary: "n2"}}
	if err := v.Set(gold, rs, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys(50) {
		a, err := v.Lookup("sandbox", "gold", k)
		if err != nil || a.Node != "n2" || !slices.Equal(a.Nodes, []string{"n1", "n2", "n3"}) {
			t.Fatalf("key %s: %+v, %v (expected the Primary n2 among sorted nodes)", k, a, err)
		}
	}
	rs[0].Primary = "n9"
	if err := v.Set(gold, rs, time.Now()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range keys(200) {
		a, _ := v.Lookup("sandbox", "gold", k)
		seen[a.Node] = true
	}
	if seen["n9"] || len(seen) != 3 {
		t.Errorf("without a usable Primary the keys went to %v (expected n1, n2 and n3)", seen)
	}
}

// TestStaleView: a view not refreshed within MaxAge refuses to answer
// rather than name nodes that may have failed since; a refresh cures it.
func TestStaleView(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	v := NewView([]Tier{gold})
	v.MaxAge, v.Now = time.Minute, func() time.Time { return now }
	rs := []Resource{{Name: "r1", Nodes: []string{"a"}}}
	if err := v.Set(gold, rs, now.Add(-61*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Lookup("sandbox", "gold", "k"); !errors.Is(err, ErrStale) {
		t.Fatalf("read 61 s ago with MaxAge 1m: %v (expected ErrStale)", err)
	}
	if err := v.Set(gold, rs, now.Add(-59*time.Second)); err != nil {
		t.Fatal(err)
	}
	if a, err := v.Lookup("sandbox", "gold", "k"); err != nil || a.Node != "a" {
		t.Fatalf("read 59 s ago: %+v, %v", a, err)
	}
}
