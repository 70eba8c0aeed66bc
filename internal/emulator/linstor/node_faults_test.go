package linstor

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/LINBIT/golinstor/client"
)

// TestFailedNodeAsTheControllerReportsIt fails a node through the control
// call: the node is OFFLINE, its replicas have no disk state, the others
// stay UpToDate; restoring it brings everything back, and the state file
// keeps what was set.
func TestFailedNodeAsTheControllerReportsIt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "linstor.json")
	h := newHarness(t, Config{StateFile: file, Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":3,"storage_pool":"nvme"}}`)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[1024]}`)

	control(t, h, "node-b", "fail", http.StatusNoContent)
	checkNodeStates(t, h, map[string]string{"node-a": connOnline, "node-b": connOffline, "node-c": connOnline},
		map[string]string{"node-a": diskStateUpToDate, "node-b": "", "node-c": diskStateUpToDate})

	reloaded, err := New(Config{StateFile: file, Pools: []string{"nvme"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := reloaded.st.Nodes[key("node-b")]; !n.Offline {
		t.Error("the state file lost node-b's failure")
	}

	control(t, h, "node-b", "restore", http.StatusNoContent)
	checkNodeStates(t, h, map[string]string{"node-a": connOnline, "node-b": connOnline, "node-c": connOnline},
		map[string]string{"node-a": diskStateUpToDate, "node-b": diskStateUpToDate, "node-c": diskStateUpToDate})

	control(t, h, "node-x", "fail", http.StatusNotFound)
	control(t, h, "node-a", "explode", http.StatusNotFound)
}

func control(t *testing.T, h *harness, node, action string, want int) {
	t.Helper()
	// Not through h.ts: the control calls are not LINSTOR's API, which the
	// harness checks every logged call against.
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ControlPrefix+"nodes/"+node+"/"+action, nil))
	if rec.Code != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", action, node, rec.Code, want, rec.Body)
	}
}

// checkNodeStates reads nodes and db1's replicas with golinstor.
func checkNodeStates(t *testing.T, h *harness, conn, disk map[string]string) {
	t.Helper()
	nodes, err := h.c.Nodes.GetAll(ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.ConnectionStatus != conn[n.Name] {
			t.Errorf("node %s: connection %q, want %q", n.Name, n.ConnectionStatus, conn[n.Name])
		}
	}
	rscs, err := h.c.Resources.GetResourceView(ctx(), &client.ListOpts{Resource: []string{"db1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rscs) != 3 {
		t.Fatalf("db1 has %d replicas, want 3", len(rscs))
	}
	for _, r := range rscs {
		if got := r.Volumes[0].State.DiskState; got != disk[r.NodeName] {
			t.Errorf("db1 on %s: disk state %q, want %q", r.NodeName, got, disk[r.NodeName])
		}
	}
}

// TestSpawnMany spawns resources in bulk, placed as a spawn places them.
func TestSpawnMany(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":2,"storage_pool":"nvme"}}`)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	if err := h.srv.SpawnMany("gold", []string{"r1", "r2", "r3"}, []int64{1024}); err != nil {
		t.Fatal(err)
	}
	rscs, err := h.c.Resources.GetResourceView(ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	diskful := 0
	for _, r := range rscs {
		if !slices.Contains(r.Flags, "DISKLESS") {
			diskful++
		}
	}
	if diskful != 6 {
		t.Errorf("%d diskful replicas, want 2 for each of 3 resources", diskful)
	}
	if err := h.srv.SpawnMany("gold", []string{"r1"}, []int64{1024}); err == nil {
		t.Error("a second r1 was spawned")
	}
}
