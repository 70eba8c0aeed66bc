package apigee

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/emulator"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestProductNormalForm: a product the server returns with its sets in
// another order, the operation config type left to its default and the
// time unit in capitals reads as compiled; a field compile never writes
// shows in the diff.
func TestProductNormalForm(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	desired := example(t)
	proxy, product := find(t, desired, artifact.KindProxy, "payments"), find(t, desired, artifact.KindProduct, "payments")
	applyAll(t, d, apply.Create, proxy, product)
	ctx := context.Background()
	put := func(edit func(p *apigee.GoogleCloudApigeeV1ApiProduct)) {
		t.Helper()
		p, err := d.svc.Organizations.Apiproducts.Get(d.productPath("payments")).Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		edit(p)
		if _, err := d.svc.Organizations.Apiproducts.Update(d.productPath("payments"), p).Context(ctx).Do(); err != nil {
			t.Fatal(err)
		}
	}
	put(func(p *apigee.GoogleCloudApigeeV1ApiProduct) {
		slices.Reverse(p.Attributes)
		slices.Reverse(p.Scopes)
		for _, c := range p.OperationGroup.OperationConfigs {
			for _, op := range c.Operations {
				slices.Reverse(op.Methods)
			}
		}
		p.OperationGroup.OperationConfigType = ""
		p.QuotaTimeUnit = "MINUTE"
	})
	both := []artifact.Object{proxy, product}
	if _, cs := plan(t, d, both); !cs.Empty() {
		t.Fatalf("reordered product reads as a change: %+v", cs.Changes)
	}
	put(func(p *apigee.GoogleCloudApigeeV1ApiProduct) { p.QuotaCounterScope = "PROXY" })
	_, cs := plan(t, d, both)
	if len(cs.Changes) != 1 {
		t.Fatalf("changes %+v; want the product", cs.Changes)
	}
	mustContain(t, "diff", cs.Changes[0].Diff, `-  "quotaCounterScope": "PROXY"`)
	applyAll(t, d, apply.Update, product)
	if _, cs := plan(t, d, both); !cs.Empty() {
		t.Fatalf("after the full PUT: %+v", cs.Changes)
	}
}

// TestUndeployedProxies: lingate's proxy not deployed in the environment
// is absent there (a create); a hand-made one the policies name is
// foreign, read from its latest revision.
func TestUndeployedProxies(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	other := driver(t, hs, func(c *Config) { c.Env, c.Environment = "staging", "staging" })
	desired := example(t)
	ours, theirs := find(t, desired, artifact.KindProxy, "orders"), find(t, desired, artifact.KindProxy, "reports")
	applyAll(t, other, apply.Create, ours)
	importRaw(t, d, "reports", unstamped(t, editProxy(t, theirs, "Managed by lingate.", "Old.")))
	importRaw(t, d, "reports", unstamped(t, theirs))
	live, cs := plan(t, d, []artifact.Object{ours, theirs})
	if len(live.Objects) != 0 || len(live.Foreign) != 1 || live.Foreign[0].Name != "reports" {
		t.Fatalf("read %d lingate, foreign %+v; want none and reports", len(live.Objects), live.Foreign)
	}
	if apply.ObjectDigest(live.Foreign[0]) != apply.ObjectDigest(theirs) {
		t.Errorf("foreign proxy not read from its latest revision")
	}
	if len(cs.Changes) != 2 || cs.Changes[0].Action != apply.Create {
		t.Fatalf("changes %+v; want orders created in sandbox", cs.Changes)
	}
	applyAll(t, d, apply.Create, ours)
	if revs := revisionsOf(t, d, "orders"); len(revs) != 1 {
		t.Errorf("deploying the revision staging has made another: %v", revs)
	}
}

// TestProductsPaged: more products than one list page holds are all read.
func TestProductsPaged(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	ctx := context.Background()
	const n = 1003
	for i := range n {
		p := &apigee.GoogleCloudApigeeV1ApiProduct{Name: fmt.Sprintf("p%04d", i), DisplayName: "P", ApprovalType: "auto",
			Environments: []string{testEnv}, Attributes: []*apigee.GoogleCloudApigeeV1Attribute{{Name: "lingate-managed", Value: "true"}}}
		if _, err := d.svc.Organizations.Apiproducts.Create(d.org, p).Context(ctx).Do(); err != nil {
			t.Fatal(err)
		}
	}
	live, err := d.Read(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Objects) != n || live.Objects[0].Name != "p0000" || live.Objects[n-1].Name != fmt.Sprintf("p%04d", n-1) {
		t.Fatalf("read %d products; want all %d, each once", len(live.Objects), n)
	}
	for i := 1; i < n; i++ {
		if live.Objects[i].Name == live.Objects[i-1].Name {
			t.Fatalf("product %s read twice", live.Objects[i].Name)
		}
	}
}

// TestMethodsInDeclaredOrder: methods declared out of name order read back
// in that order though the server keeps them as a set; different methods
// show as a change.
func TestMethodsInDeclaredOrder(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	desired := example(t)
	proxy := find(t, desired, artifact.KindProxy, "payments")
	product := editProduct(t, find(t, desired, artifact.KindProduct, "payments"), `"GET",
              "POST"`, `"POST",
              "GET"`)
	applyAll(t, d, apply.Create, proxy, product)
	both := []artifact.Object{proxy, product}
	if _, cs := plan(t, d, both); !cs.Empty() {
		t.Fatalf("methods in declared order read as a change: %+v", cs.Changes)
	}
	fewer := editProduct(t, product, `"POST",
              "GET"`, `"POST"`)
	if _, cs := plan(t, d, []artifact.Object{proxy, fewer}); len(cs.Changes) != 1 {
		t.Fatalf("a removed method is no change: %+v", cs.Changes)
	}
}

// TestReadOnlyReads: a plan's read makes no write call, and reads per
// deployed proxy the revision's metadata and its bundle (which must have
// the stamped hash for the revision to count as lingate's).
func TestReadOnlyReads(t *testing.T) {
	srv, err := apigeeemu.New(apigeeemu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	log := &emulator.RequestLog{}
	hs := httptest.NewServer(emulator.Wrap(srv, emulator.Options{Log: log}))
	defer hs.Close()
	d := driver(t, hs)
	desired := example(t)
	applyAll(t, d, apply.Create, desired...)
	before := len(log.Entries())
	if _, cs := plan(t, d, desired); !cs.Empty() {
		t.Fatalf("plan after apply: %+v", cs.Changes)
	}
	reads := log.Entries()[before:]
	proxies := 0
	for _, o := range desired {
		if o.Kind == artifact.KindProxy {
			proxies++
		}
	}
	for _, e := range reads {
		if e.Method != http.MethodGet {
			t.Errorf("read made a write call: %s %s", e.Method, e.Path)
		}
	}
	// List proxies, list deployments, list products, one revision's
	// metadata and bundle each, and its deployment's state (a list of
	// deployments carries no state).
	if want := 3 + 3*proxies; len(reads) != want {
		t.Errorf("read made %d calls; want %d", len(reads), want)
	}
}
