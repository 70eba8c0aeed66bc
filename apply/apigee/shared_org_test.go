package apigee

import (
	"context"
	"slices"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestProductOfAnotherEnvironmentInTheOrganization: two lingate
// environments deploying to one organization both name product payments.
// API products belong to the organization, so the second environment's
// plan would replace the first's (binding it to its own environment only,
// cutting the first's apps off). The plan fails naming the environment the
// product serves, and an apply refuses to replace or delete it.
func TestProductOfAnotherEnvironmentInTheOrganization(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	other := driver(t, hs, func(c *Config) { c.Env, c.Environment = "qa", "qa" })
	desired := example(t)
	proxy, product := find(t, desired, artifact.KindProxy, "payments"), find(t, desired, artifact.KindProduct, "payments")
	applyAll(t, d, apply.Create, proxy, product)
	theirs := editProduct(t, product, `"environments": [
    "sandbox"
  ]`, `"environments": [
    "qa"
  ]`)
	ctx := context.Background()
	_, err := other.Read(ctx, []artifact.Object{theirs})
	mustContain(t, "qa's plan", errString(err), "apigee product payments", "environment sandbox", "rename")
	for _, action := range []apply.Action{apply.Create, apply.Update, apply.Delete} {
		c := apply.Change{Ref: apply.Ref{Env: "qa", System: artifact.SystemApigee, Kind: artifact.KindProduct, Name: "payments"}, Action: action}
		err := other.Apply(ctx, c, theirs)
		mustContain(t, string(action)+" from qa", errString(err), "apigee product payments", "environment sandbox")
	}
	p, err := d.svc.Organizations.Apiproducts.Get(d.productPath("payments")).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Environments, []string{"sandbox"}) {
		t.Fatalf("qa changed sandbox's product: environments %v", p.Environments)
	}
	if _, cs := plan(t, d, []artifact.Object{proxy, product}); !cs.Empty() {
		t.Fatalf("sandbox's plan after qa's attempts: %+v", cs.Changes)
	}
}
