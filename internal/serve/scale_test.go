package serve

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/targets"
	"github.com/lingate/lingate/internal/testgen"
)

// TestCardinalityWith1000Products serves a generated repository of 1,000
// products and roles over a sandbox where nothing is applied yet: every
// object differs, the worst case for drift series. The series stay linear
// in the policies (a few per product), each differing object has exactly
// one drift series, and nothing is labelled with more than the policies
// name.
func TestCardinalityWith1000Products(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and compiles 1,000 products")
	}
	const products, roles = 1000, 1000
	root := t.TempDir()
	if err := testgen.WriteDir(root, testgen.Files(testgen.Size{Products: products, Roles: roles})); err != nil {
		t.Fatal(err)
	}
	clearLinstorEnv(t)
	live := plan.LiveOptions{Policies: filepath.Join(root, "policies"), FS: os.DirFS(root), Dir: "policies",
		Connect: targets.Connector(targets.Options{Root: root, Retry: fastRetry})}
	c := New(Options{Live: live, Envs: []string{"sandbox"}, Root: root, Version: "test"})
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	c.Read(context.Background())
	m := scrape(t, srv.URL)

	m.want(t, 1, "lingate_read_up", "system=linstor")
	m.want(t, 1, "lingate_read_up", "system=apigee")
	lingate := 0
	for name, fam := range m {
		if strings.HasPrefix(name, "lingate_") {
			lingate += len(fam.Metric)
		}
	}
	// Per product: product_info, three proxy series, and a proxy and a
	// product drift series while nothing is applied; per role grant one
	// role_info; a constant for nodes, pools, tiers and lingate's own.
	if limit := 6*products + roles + 200; lingate > limit {
		t.Errorf("%d lingate series for %d products and %d roles, want at most %d", lingate, products, roles, limit)
	}
	if n := m.count("lingate_product_info"); n != products {
		t.Errorf("%d product series, want %d", n, products)
	}
	m.want(t, products, "lingate_drift_objects", "system=apigee", "kind=proxy")
	m.want(t, products, "lingate_drift_objects", "system=apigee", "kind=product")
	if n, want := m.count("lingate_drift"), 2*products+3; n != want {
		t.Errorf("%d drift series, want one per differing object: %d", n, want)
	}
	if n := m.count("lingate_proxy_deployment_state", "state=NOT_DEPLOYED"); n != products {
		t.Errorf("%d proxies not deployed, want %d", n, products)
	}
}
