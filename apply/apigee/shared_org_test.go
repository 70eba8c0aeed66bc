package apigee

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"google.golang.org/api/apigee/v1"

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

// TestProductDeleteLostAnswerKeepsAHandMadeProduct: a prune whose DELETE
// took effect but whose answer was lost is not sent again blindly: a
// product someone made by hand under that name meanwhile stays.
func TestProductDeleteLostAnswerKeepsAHandMadeProduct(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	byHand := driver(t, hs)
	desired := example(t)
	proxy, product := find(t, desired, artifact.KindProxy, "payments"), find(t, desired, artifact.KindProduct, "payments")
	applyAll(t, byHand, apply.Create, proxy, product)
	ctx := context.Background()
	hook := &commitThenFail{base: hs.Client().Transport, path: "/apiproducts/payments", meanwhile: func() {
		p := &apigee.GoogleCloudApigeeV1ApiProduct{Name: "payments", DisplayName: "made by hand", ApprovalType: "auto", Proxies: []string{"payments"}}
		if _, err := byHand.svc.Organizations.Apiproducts.Create(byHand.org, p).Context(ctx).Do(); err != nil {
			t.Errorf("hand-made product: %v", err)
		}
	}}
	d := driver(t, hs, func(c *Config) { c.HTTPClient = &http.Client{Transport: hook} })
	c := apply.Change{Ref: apply.Ref{Env: testEnv, System: artifact.SystemApigee, Kind: artifact.KindProduct, Name: "payments"}, Action: apply.Delete}
	if err := d.Apply(ctx, c, artifact.Object{}); err != nil {
		t.Fatalf("prune: %v", err)
	}
	if !hook.done {
		t.Fatal("the prune sent no DELETE")
	}
	p, err := byHand.svc.Organizations.Apiproducts.Get(byHand.productPath("payments")).Context(ctx).Do()
	if err != nil || p.DisplayName != "made by hand" {
		t.Fatalf("the hand-made product is gone or changed: %v", err)
	}
}
