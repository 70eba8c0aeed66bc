package apigee

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestEditedRevisionKeepingTheStampIsDrift: a revision made by hand from
// lingate's (exported, a policy edited, imported again: the description,
// stamp included, comes along) is not lingate's. The plan shows the edit
// as drift, and the apply deploys the compiled bundle again instead of
// taking the edited revision for it.
func TestEditedRevisionKeepingTheStampIsDrift(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	proxy := find(t, example(t), artifact.KindProxy, "payments")
	applyAll(t, d, apply.Create, proxy)
	edited := editProxy(t, proxy, "<Rate>100ps</Rate>", "<Rate>1ps</Rate>")
	forged, err := stampedZip(edited, stamp{Hash: ContentHash(proxy), Commit: d.cfg.Commit})
	if err != nil {
		t.Fatal(err)
	}
	deployRaw(t, d, "payments", importRaw(t, d, "payments", forged))

	_, cs := plan(t, d, []artifact.Object{proxy})
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update {
		t.Fatalf("changes %+v; want an update of payments showing the edit", cs.Changes)
	}
	mustContain(t, "diff", cs.Changes[0].Diff, "1ps")

	applyAll(t, d, apply.Update, proxy)
	rev, err := d.deployedHere(context.Background(), "payments")
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.revisions("payments").export(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Files[0].Data, proxy.Files[0].Data) {
		t.Fatalf("after the apply revision %d serves, not the compiled bundle", rev)
	}
	if _, cs := plan(t, d, []artifact.Object{proxy}); !cs.Empty() {
		t.Fatalf("after the apply: %+v", cs.Changes)
	}
}

// TestCopiedProxyIsNotLingates: a proxy made by hand from lingate's bundle
// under another name carries lingate's stamp in its description, but it is
// not lingate's: a create over it is refused and a prune leaves it alone.
func TestCopiedProxyIsNotLingates(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	desired := example(t)
	proxy := find(t, desired, artifact.KindProxy, "payments")
	applyAll(t, d, apply.Create, proxy)
	// The copy: payments' bundle as lingate imported it, under another
	// name and base path.
	zip, err := stampedZip(editProxy(t, proxy, "/payments/v1", "/payments-copy/v1"), stamp{Hash: ContentHash(proxy), Commit: d.cfg.Commit})
	if err != nil {
		t.Fatal(err)
	}
	const copyName = "payments-copy"
	deployRaw(t, d, copyName, importRaw(t, d, copyName, zip))
	live, cs := plan(t, d, []artifact.Object{proxy})
	for _, o := range live.Objects {
		if o.Name == copyName {
			t.Fatalf("the hand-made copy reads as lingate's (changes %+v)", cs.Changes)
		}
	}
	err = d.Apply(context.Background(), apply.Change{Ref: apply.Ref{Env: testEnv, System: artifact.SystemApigee, Kind: artifact.KindProxy, Name: copyName},
		Action: apply.Delete}, artifact.Object{})
	mustContain(t, "prune of the copy", errString(err), "lingate deletes only its own proxies")
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestPruneLeavesAHandDeployedRevision: a proxy planned for deletion
// (lingate's revision was serving) whose environment got a hand-made
// revision deployed since is not undeployed nor deleted: the rule the read
// applies holds at apply time too.
func TestPruneLeavesAHandDeployedRevision(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, d, apply.Create, proxy)
	live, _ := plan(t, d, nil)
	if len(live.Objects) != 1 {
		t.Fatalf("read %d objects; want lingate's orders, to prune", len(live.Objects))
	}
	handMade := importRaw(t, d, "orders", unstamped(t, editProxy(t, proxy, "Managed by lingate.", "Taken over by hand.")))
	deployRaw(t, d, "orders", handMade)
	err := d.Apply(context.Background(), change(proxy, apply.Delete), artifact.Object{})
	mustContain(t, "prune after a hand deploy", errString(err), "apigee proxy orders", fmt.Sprintf("revision %d", handMade), "not lingate's")
	if dep, _ := d.deployedHere(context.Background(), "orders"); dep != handMade {
		t.Fatalf("revision %d deployed after the refused prune; want the hand-made %d", dep, handMade)
	}
}

// TestProxyDeleteLostAnswerKeepsAHandMadeProxy: a prune whose proxy DELETE
// took effect but whose answer was lost is not sent again blindly: a proxy
// someone imported by hand under that name meanwhile stays.
func TestProxyDeleteLostAnswerKeepsAHandMadeProxy(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	byHand := driver(t, hs)
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, byHand, apply.Create, proxy)
	hook := &commitThenFail{base: hs.Client().Transport, path: "/apis/orders", meanwhile: func() {
		importRaw(t, byHand, "orders", unstamped(t, proxy))
	}}
	d := driver(t, hs, func(c *Config) { c.HTTPClient = &http.Client{Transport: hook} })
	if err := d.Apply(context.Background(), change(proxy, apply.Delete), artifact.Object{}); err != nil {
		t.Fatalf("prune: %v", err)
	}
	if !hook.done {
		t.Fatal("the prune sent no DELETE of the proxy")
	}
	if revs := revisionsOf(t, byHand, "orders"); len(revs) != 1 || revs[1] {
		t.Fatalf("revisions after the prune %v; want the hand-made revision 1 kept", revs)
	}
}
