package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"
	apigeev1 "google.golang.org/api/apigee/v1"
	"google.golang.org/api/option"

	"github.com/lingate/lingate/schema"
)

func example(t *testing.T) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(filepath.Join("..", "..")), "policies")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSeedForNamesThePoolsOfTheEnvironment(t *testing.T) {
	cfg := example(t)
	got := SeedFor(cfg, "sandbox")
	want := []string{"diskless", "hdd-zfs", "nvme-thin", "ssd-thick"}
	if !slices.Equal(got.Pools, want) {
		t.Errorf("pools %v, want %v", got.Pools, want)
	}
	if got.Providers["hdd-zfs"] != "ZFS_THIN" || got.Providers["nvme-thin"] != "LVM_THIN" {
		t.Errorf("providers %v, want hdd-zfs ZFS_THIN and nvme-thin LVM_THIN", got.Providers)
	}
	if _, ok := got.Providers["diskless"]; ok {
		t.Errorf("a diskless pool got a provider: %v", got.Providers)
	}
	if a := got.Apigee; len(a) != 1 || a[0].Name != "sandbox" || !slices.Equal(a[0].Environments, []string{"sandbox"}) ||
		!slices.Equal(a[0].EnvironmentGroups[EnvironmentGroup], []string{"sandbox"}) {
		t.Errorf("apigee %+v, want organization sandbox with environment sandbox in group %s", a, EnvironmentGroup)
	}
	if a := got.Apigee; len(a) == 1 && !slices.Equal(a[0].TargetServers["sandbox"], []string{"inventory-backend", "orders-archive"}) {
		t.Errorf("TargetServers %v, want those the products name", a[0].TargetServers)
	}
}

// TestApigeeForNamesEachSandboxOrganization: two sandbox environments, one
// naming its own organization and Apigee environment, declare both; a
// production environment declares nothing.
func TestApigeeForNamesEachSandboxOrganization(t *testing.T) {
	cfg, err := schema.Load(os.DirFS("testdata"), "two-sandboxes")
	if err != nil {
		t.Fatal(err)
	}
	got := ApigeeFor(cfg, "")
	if len(got) != 2 || got[0].Name != "sandbox" || got[1].Name != "team" ||
		!slices.Equal(got[0].Environments, []string{"a"}) || !slices.Equal(got[1].Environments, []string{"eval"}) {
		t.Errorf("ApigeeFor all = %+v", got)
	}
	if got := ApigeeFor(cfg, "b"); len(got) != 1 || got[0].Name != "team" {
		t.Errorf("ApigeeFor b = %+v", got)
	}
}

// serve runs a sandbox in dir until the returned stop is called.
func serve(t *testing.T, dir string, seed Seed) (Endpoints, func() error) {
	t.Helper()
	sb, err := Open(dir, seed)
	if err != nil {
		t.Fatal(err)
	}
	return serveWith(t, sb, ServeOptions{})
}

// serveWith serves sb on loopback with opts until the returned stop is called.
func serveWith(t *testing.T, sb *Sandbox, opts ServeOptions) (Endpoints, func() error) {
	t.Helper()
	opts.ApigeeAddr, opts.LinstorAddr = "127.0.0.1:0", "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Endpoints, 1)
	done := make(chan error, 1)
	go func() {
		done <- sb.Serve(ctx, opts, func(e Endpoints) { ready <- e })
	}()
	select {
	case e := <-ready:
		return e, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return Endpoints{}, nil
}

func TestServeWithRealClientsAndPersist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sandbox")
	ends, stop := serve(t, dir, SeedFor(example(t), "sandbox"))
	ctx := context.Background()

	u, _ := url.Parse(ends.Linstor)
	lc, err := client.NewClient(client.BaseURL(u), client.HTTPClient(http.DefaultClient), client.Log(nil))
	if err != nil {
		t.Fatal(err)
	}
	pools, err := lc.Nodes.GetStoragePoolView(ctx)
	if err != nil {
		t.Fatalf("storage pools: %v", err)
	}
	nodes := map[string]bool{}
	for _, p := range pools {
		if p.StoragePoolName == "nvme-thin" {
			nodes[p.NodeName] = true
		}
	}
	if len(nodes) != 3 {
		t.Errorf("nvme-thin is on %d nodes, want 3", len(nodes))
	}

	svc, err := apigeev1.NewService(ctx, option.WithEndpoint(ends.Apigee+"/"), option.WithHTTPClient(http.DefaultClient))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := svc.Organizations.Environments.Targetservers.Get("organizations/sandbox/environments/sandbox/targetservers/orders-archive").Do()
	if err != nil || ts.Host != "orders-archive.sandbox.invalid" || ts.Port != 443 {
		t.Errorf("seeded TargetServer = %+v, %v", ts, err)
	}
	_, err = svc.Organizations.Apiproducts.Create("organizations/sandbox", &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "kept", DisplayName: "Kept", ApprovalType: "auto"}).Do()
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, f := range []string{ApigeeStateFile, LinstorStateFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("state %s not saved: %v", f, err)
		}
	}

	ends, stop = serve(t, dir, Seed{})
	defer stop()
	svc, err = apigeev1.NewService(ctx, option.WithEndpoint(ends.Apigee+"/"), option.WithHTTPClient(http.DefaultClient))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Organizations.Apiproducts.Get("organizations/sandbox/apiproducts/kept").Do(); err != nil {
		t.Errorf("product did not survive a restart: %v", err)
	}
}

func TestServeRefusesNonLoopback(t *testing.T) {
	sb, err := Open("", Seed{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err = sb.Serve(ctx, ServeOptions{ApigeeAddr: "0.0.0.0:0", LinstorAddr: "127.0.0.1:0"}, nil)
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("got %v, want a refusal of 0.0.0.0", err)
	}
}
