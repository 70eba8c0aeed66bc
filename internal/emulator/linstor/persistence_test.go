package linstor

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/internal/emulator"
)

func TestStateSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox", "linstor.json")
	cfg := Config{StateFile: file, Pools: []string{"nvme"}}
	h := newHarness(t, cfg)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("a new state is written at once: %v", err)
	}
	createGroup(t, h, `{"name":"gold","description":"fast","select_filter":{"place_count":3,"storage_pool":"nvme"}}`)
	h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"Aux/owner":"lingate"}}`).expect(t, http.StatusOK, rcPropsSet)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", `{"flags":["GROSS_SIZE"]}`).expect(t, http.StatusCreated, rcVGCreated)
	spawnOK(t, h, "gold", `{"resource_definition_name":"db1","volume_sizes":[4096]}`)
	before := snapshotAPI(t, h.c)

	// Other nodes must not reseed an existing state.
	h2 := newHarness(t, Config{StateFile: file, Pools: []string{"nvme"}, Nodes: []NodeSeed{{"zz", ""}}})
	if after := snapshotAPI(t, h2.c); !reflect.DeepEqual(before, after) {
		t.Errorf("state after restart differs:\nbefore %+v\nafter  %+v", before, after)
	}
}

// TestRestartAddsNewPools checks that a pool the configuration names but an
// existing state lacks is added to every node, and saved, while what the
// state holds stays.
func TestRestartAddsNewPools(t *testing.T) {
	file := filepath.Join(t.TempDir(), "linstor.json")
	h := newHarness(t, Config{StateFile: file, Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"gold","select_filter":{"place_count":2,"storage_pool":"nvme"}}`)
	for range 2 {
		h = newHarness(t, Config{StateFile: file, Pools: []string{"nvme", "hdd-zfs"}})
		pools, err := h.c.Nodes.GetStoragePoolView(ctx())
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, p := range pools {
			count[p.StoragePoolName]++
			if p.StoragePoolName == "hdd-zfs" && p.ProviderKind != "ZFS" {
				t.Errorf("hdd-zfs on %s has provider %s, want ZFS", p.NodeName, p.ProviderKind)
			}
		}
		if count["hdd-zfs"] != 3 || count["nvme"] != 3 {
			t.Errorf("pools per node %v, want nvme and hdd-zfs on all 3 nodes", count)
		}
		if _, err := h.c.ResourceGroups.Get(ctx(), "gold"); err != nil {
			t.Errorf("the existing group was lost: %v", err)
		}
	}
}

// apiSnapshot is what a client sees of the emulator's state.
type apiSnapshot struct {
	Groups []client.ResourceGroup
	VGs    []client.VolumeGroup
	RDs    []client.ResourceDefinitionWithVolumeDefinition
	Rscs   []client.ResourceWithVolumes
	Nodes  []client.Node
	Pools  []client.StoragePool
}

func snapshotAPI(t *testing.T, c *client.Client) apiSnapshot {
	t.Helper()
	var s apiSnapshot
	var err error
	must := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	s.Groups, err = c.ResourceGroups.GetAll(ctx())
	vgs, e := c.ResourceGroups.GetVolumeGroups(ctx(), "gold")
	must(e)
	s.VGs = vgs
	s.RDs, e = c.ResourceDefinitions.GetAll(ctx(), client.RDGetAllRequest{WithVolumeDefinitions: true})
	must(e)
	s.Rscs, e = c.Resources.GetResourceView(ctx())
	must(e)
	s.Nodes, e = c.Nodes.GetAll(ctx())
	must(e)
	s.Pools, e = c.Nodes.GetStoragePoolView(ctx())
	must(e)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFailedMutationsDoNotTouchTheStateFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "linstor.json")
	h := newHarness(t, Config{StateFile: file})
	createGroup(t, h, `{"name":"gold"}`)
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	h.do("PUT", "/v1/resource-groups/gold", `{"description":"x","override_props":{"Bad/Key":"1"}}`).
		expect(t, http.StatusInternalServerError, rcInvalidProp)
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"r1","volume_sizes":[1],
		"select_filter":{"place_count":9}}`).expect(t, http.StatusInternalServerError, 0)
	now, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(saved) != string(now) {
		t.Errorf("failed calls rewrote the state file")
	}
	if err := h.srv.Save(); err != nil {
		t.Fatal(err)
	}
	var st state
	if _, err := emulator.LoadJSON(file, &st); err != nil || st.ResourceGroups["GOLD"].Description != "" {
		t.Errorf("state after Save: %+v, %v", st.ResourceGroups["GOLD"], err)
	}
}

func TestBrokenStateFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"garbage.json": "{not json",
		"version.json": `{"version":99,"nodes":{},"resource_groups":{}}`,
		"empty.json":   `{"version":1}`,
	}
	for name, content := range cases {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Config{StateFile: file}); err == nil {
			t.Errorf("%s: New accepted %q", name, content)
		}
	}
}

func TestSaveFailureRollsBack(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state", "linstor.json")
	h := newHarness(t, Config{StateFile: file})
	// Make the state folder unwritable by replacing it with a file.
	if err := os.RemoveAll(filepath.Dir(file)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Dir(file), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.do("POST", "/v1/resource-groups", `{"name":"gold"}`).expect(t, http.StatusInternalServerError, failUnknownError)
	h.do("GET", "/v1/resource-groups/gold", "").expect(t, http.StatusNotFound, rcGetRGNotFound)
}

func TestConcurrentRequestsLeaveConsistentState(t *testing.T) {
	file := filepath.Join(t.TempDir(), "linstor.json")
	h := newHarness(t, Config{StateFile: file, Pools: []string{"nvme"}})
	createGroup(t, h, `{"name":"shared","select_filter":{"place_count":1}}`)
	const workers = 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*5)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := h.c.ResourceGroups
			name := fmt.Sprintf("rg-%02d", i)
			errs <- rs.Create(ctx(), client.ResourceGroup{Name: name})
			errs <- rs.Modify(ctx(), "shared", client.ResourceGroupModify{
				OverrideProps: map[string]string{fmt.Sprintf("Aux/worker-%02d", i): "done"}})
			errs <- rs.CreateVolumeGroup(ctx(), name, client.VolumeGroup{})
			errs <- rs.Spawn(ctx(), "shared", client.ResourceGroupSpawn{
				ResourceDefinitionName: fmt.Sprintf("vol-%02d", i), VolumeSizes: []int64{1024}})
			errs <- postBadJSON(h)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	rgs, _ := h.c.ResourceGroups.GetAll(ctx())
	shared, _ := h.c.ResourceGroups.Get(ctx(), "shared")
	rds, _ := h.c.ResourceDefinitions.GetAll(ctx(), client.RDGetAllRequest{})
	if len(rgs) != workers+2 || len(shared.Props) != workers || len(rds) != workers {
		t.Errorf("%d groups, %d props on shared, %d definitions; want %d, %d, %d",
			len(rgs), len(shared.Props), len(rds), workers+2, workers, workers)
	}
	var st state
	if _, err := emulator.LoadJSON(file, &st); err != nil || len(st.ResourceDefs) != workers ||
		len(st.ResourceGroups["SHARED"].Props) != workers {
		t.Errorf("state file lags behind: %d definitions, %v", len(st.ResourceDefs), err)
	}
}

// postBadJSON sends unparsable JSON (which files an error report) and
// expects the controller's 400.
func postBadJSON(h *harness) error {
	resp, err := h.ts.Client().Post(h.ts.URL+"/v1/resource-groups", "application/json", strings.NewReader("{"))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		return fmt.Errorf("bad JSON answered %d", resp.StatusCode)
	}
	return nil
}
