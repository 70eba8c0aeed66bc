package serve

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/internal/gittest"
)

// spawnExample spawns two resources from fast and one from standard.
func spawnExample(t *testing.T, f *fixture) {
	t.Helper()
	f.withSandbox(t, func(c *client.Client) {
		for _, s := range []struct {
			rg, rd string
			sizes  []int64
		}{{"fast", "db1", []int64{1024}}, {"fast", "db2", []int64{1024}}, {"standard", "files1", []int64{1024, 1024}}} {
			if err := c.ResourceGroups.Spawn(context.Background(), s.rg, client.ResourceGroupSpawn{ResourceDefinitionName: s.rd, VolumeSizes: s.sizes}); err != nil {
				t.Fatalf("spawn %s from %s: %v", s.rd, s.rg, err)
			}
		}
	})
}

// TestHealthySandbox scrapes an applied sandbox with resources spawned.
func TestHealthySandbox(t *testing.T) {
	f := newFixture(t)
	spawnExample(t, f)
	if got := status(t, f.srv.URL+"/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the first read: %d, want 503", got)
	}
	if got := status(t, f.srv.URL+"/healthz"); got != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", got)
	}
	m := f.scrape(t)
	if got := status(t, f.srv.URL+"/readyz"); got != http.StatusOK {
		t.Errorf("/readyz after a read: %d, want 200", got)
	}

	m.want(t, 1, "lingate_product_info", "env=sandbox", "product=customers", "proxy=customers", "base_path=/customers/v1", "tier=fast", "resource_group=fast")
	m.want(t, 1, "lingate_product_info", "product=reports", "tier=archive", "resource_group=archive")
	if n := m.count("lingate_product_info"); n != 5 {
		t.Errorf("%d product series, want the sandbox's 5", n)
	}
	if n := m.count("lingate_role_info", "env=sandbox"); n == 0 {
		t.Error("no role series")
	}
	m.want(t, 2, "lingate_tier_resources", "tier=fast", "resource_group=fast", "health=healthy")
	m.want(t, 0, "lingate_tier_resources", "tier=fast", "health=degraded")
	m.want(t, 0, "lingate_tier_resources", "tier=fast", "health=failed")
	m.want(t, 1, "lingate_tier_resources", "tier=standard", "health=healthy")
	m.want(t, 0, "lingate_tier_resources", "tier=archive", "health=healthy")
	m.want(t, 3, "lingate_nodes", "state=online")
	m.want(t, 0, "lingate_nodes", "state=offline")
	m.want(t, 1, "lingate_node_online", "node=node-a")
	if n := m.count("lingate_storage_pool_total_bytes", "tier=fast", "pool=nvme-thin"); n != 3 {
		t.Errorf("%d nvme-thin pool series, want one per node", n)
	}
	for _, s := range m.series("lingate_storage_pool_total_bytes") {
		if value(s) <= 0 {
			t.Errorf("pool total %v", value(s))
		}
	}
	m.want(t, 0, "lingate_drift_objects", "system=linstor", "kind=resource-group")
	m.want(t, 0, "lingate_drift_objects", "system=apigee", "kind=proxy")
	m.want(t, 0, "lingate_drift_objects", "system=apigee", "kind=product")
	if n := m.count("lingate_drift"); n != 0 {
		t.Errorf("%d drift series with nothing drifted", n)
	}
	for _, p := range []string{"customers", "inventory", "orders", "payments", "reports"} {
		m.want(t, 1, "lingate_proxy_deployed_revision", "proxy="+p)
		m.want(t, 1, "lingate_proxy_revision_desired", "proxy="+p)
		m.want(t, 1, "lingate_proxy_deployment_state", "proxy="+p, "state=READY")
	}
	for _, sys := range Systems {
		m.want(t, 1, "lingate_read_up", "system="+sys)
		m.want(t, 0, "lingate_read_stale", "system="+sys)
		m.want(t, 0, "lingate_read_errors_total", "system="+sys, "kind=unreachable")
		if v := value(m.series("lingate_last_successful_read_timestamp_seconds", "system="+sys)[0]); v < 1e9 {
			t.Errorf("last read of %s at %v", sys, v)
		}
	}
	if n := m.count("lingate_build_info", "version=test"); n != 1 {
		t.Errorf("%d build info series", n)
	}
	if h := m["lingate_read_duration_seconds"]; h == nil || h.Metric[0].Histogram.GetSampleCount() != 1 {
		t.Error("no read duration observed")
	}
}

// TestFailedNode fails a node: the fast tier's resources, with a replica
// on every node, turn degraded; restored, healthy again.
func TestFailedNode(t *testing.T) {
	f := newFixture(t)
	spawnExample(t, f)
	f.scrape(t)
	f.setNode(t, "node-b", false)
	m := f.scrape(t)
	m.want(t, 0, "lingate_tier_resources", "tier=fast", "health=healthy")
	m.want(t, 2, "lingate_tier_resources", "tier=fast", "health=degraded")
	m.want(t, 0, "lingate_tier_resources", "tier=fast", "health=failed")
	m.want(t, 2, "lingate_nodes", "state=online")
	m.want(t, 1, "lingate_nodes", "state=offline")
	m.want(t, 0, "lingate_node_online", "node=node-b")
	m.want(t, 1, "lingate_read_up", "system=linstor")

	f.setNode(t, "node-b", true)
	m = f.scrape(t)
	m.want(t, 2, "lingate_tier_resources", "tier=fast", "health=healthy")
	m.want(t, 0, "lingate_tier_resources", "tier=fast", "health=degraded")
	m.want(t, 0, "lingate_nodes", "state=offline")
}

// TestDriftByHand changes a resource group by hand: one drift series for
// it, counted under its kind; the others stay 0.
func TestDriftByHand(t *testing.T) {
	f := newFixture(t)
	f.withSandbox(t, func(c *client.Client) {
		err := c.ResourceGroups.Modify(context.Background(), "standard", client.ResourceGroupModify{
			SelectFilter: client.AutoSelectFilter{PlaceCount: 3}})
		if err != nil {
			t.Fatal(err)
		}
	})
	m := f.scrape(t)
	m.want(t, 1, "lingate_drift_objects", "system=linstor", "kind=resource-group")
	m.want(t, 1, "lingate_drift", "system=linstor", "kind=resource-group", "name=standard", "action=update")
	m.want(t, 0, "lingate_drift_objects", "system=apigee", "kind=proxy")
	if n := m.count("lingate_drift"); n != 1 {
		t.Errorf("%d drift series, want 1", n)
	}
	f.apply(t)
	m = f.scrape(t)
	m.want(t, 0, "lingate_drift_objects", "system=linstor", "kind=resource-group")
	if n := m.count("lingate_drift"); n != 0 {
		t.Errorf("%d drift series after apply, want 0", n)
	}
}

// TestUnreachableController: the LINSTOR read fails, its error counter
// rises, its last values stay marked stale, Apigee is still read.
func TestUnreachableController(t *testing.T) {
	f := newFixture(t)
	spawnExample(t, f)
	f.scrape(t)
	f.brokenLinstor.Store(true)
	m := f.scrape(t)
	m.want(t, 1, "lingate_read_errors_total", "system=linstor", "kind=unreachable")
	m.want(t, 1, "lingate_read_stale", "system=linstor")
	m.want(t, 0, "lingate_read_up", "system=linstor")
	m.want(t, 2, "lingate_tier_resources", "tier=fast", "health=healthy")
	m.want(t, 1, "lingate_read_up", "system=apigee")
	m.want(t, 0, "lingate_read_errors_total", "system=apigee", "kind=unreachable")
	m = f.scrape(t)
	m.want(t, 2, "lingate_read_errors_total", "system=linstor", "kind=unreachable")

	f.brokenLinstor.Store(false)
	m = f.scrape(t)
	m.want(t, 0, "lingate_read_stale", "system=linstor")
	m.want(t, 1, "lingate_read_up", "system=linstor")
}

// TestDriftFromTheGitRevision: live state applied from an edited work tree
// matches the folder on disk but differs from the policies at HEAD, which
// --head HEAD compares with.
func TestDriftFromTheGitRevision(t *testing.T) {
	repo := gittest.New(t)
	copyExample(t, repo.Dir)
	repo.Commit("example policies")
	orders := filepath.Join(repo.Dir, "policies", "products", "orders.cue")
	data, err := os.ReadFile(orders)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orders, bytes.Replace(data, []byte(`"/orders/v2"`), []byte(`"/orders/v3"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixtureAt(t, repo.Dir) // applies the work tree
	m := f.scrape(t)
	if n := m.count("lingate_drift"); n != 0 {
		t.Errorf("%d drift series against the folder applied, want 0", n)
	}
	live := f.live
	live.Head = "HEAD"
	c := New(Options{Live: live, Envs: []string{"sandbox"}})
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	c.Read(context.Background())
	m = scrape(t, srv.URL)
	m.want(t, 1, "lingate_drift", "kind=proxy", "name=orders", "action=update")
	m.want(t, 1, "lingate_product_info", "product=orders", "base_path=/orders/v2")
	m.want(t, 1, "lingate_drift_objects", "system=apigee", "kind=proxy")
}
