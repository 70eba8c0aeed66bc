package apigee

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	emulator "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestApplyExampleReadsBackAsDesired applies every proxy and product of
// the example policies; reading them back gives exactly what was compiled,
// so a live plan right after an apply is empty, and applying again changes
// nothing (no new revision).
func TestApplyExampleReadsBackAsDesired(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	desired := example(t)
	live, cs := plan(t, d, desired)
	if len(live.Objects) != 0 || len(live.Foreign) != 0 || len(cs.Changes) != len(desired) {
		t.Fatalf("empty org: %d live, %d foreign, %d changes; want 0, 0, %d creates", len(live.Objects), len(live.Foreign), len(cs.Changes), len(desired))
	}
	applyAll(t, d, apply.Create, desired...)
	live, cs = plan(t, d, desired)
	if !cs.Empty() || len(live.Foreign) != 0 {
		t.Fatalf("plan after apply: %+v (foreign %d)", cs.Changes, len(live.Foreign))
	}
	if len(live.Objects) != len(desired) {
		t.Fatalf("read %d objects; want %d", len(live.Objects), len(desired))
	}
	for i, o := range live.Objects {
		if apply.ObjectDigest(o) != apply.ObjectDigest(desired[i]) {
			t.Errorf("%s %s reads back differently", o.Kind, o.Name)
		}
	}
	applyAll(t, d, apply.Update, desired...)
	for _, o := range desired {
		if o.Kind == artifact.KindProxy {
			if revs := revisionsOf(t, d, o.Name); len(revs) != 1 {
				t.Errorf("proxy %s has revisions %v after two applies; want 1", o.Name, revs)
			}
		}
	}
	again, _ := plan(t, d, desired)
	if again.Digest != live.Digest {
		t.Errorf("live digest changed though nothing did: %s then %s", live.Digest, again.Digest)
	}
}

// TestExportedRevisionReadsAsCompiled: a deployed revision whose hash is
// not the desired one is exported, and unpacks to exactly what was
// compiled for it (stamp removed, zip rebuilt).
func TestExportedRevisionReadsAsCompiled(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	desired := example(t)
	proxy := find(t, desired, artifact.KindProxy, "orders")
	applyAll(t, d, apply.Create, proxy)
	newer := editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. Changed.")
	live, cs := plan(t, d, []artifact.Object{newer})
	if len(live.Objects) != 1 || apply.ObjectDigest(live.Objects[0]) != apply.ObjectDigest(proxy) {
		t.Fatalf("exported revision does not read back as compiled: %+v", live.Objects)
	}
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update {
		t.Fatalf("changes %+v; want one update", cs.Changes)
	}
	mustContain(t, "diff", cs.Changes[0].Diff, "-  <Description>Managed by lingate.", "+  <Description>Managed by lingate. Changed.")
	if strings.Contains(cs.Changes[0].Diff, "sha256:") {
		t.Errorf("diff shows the stamp:\n%s", cs.Changes[0].Diff)
	}
}

// TestUpdate changes a product and a proxy; the plan shows both as updates
// with their diffs, and after the apply reads back empty.
func TestUpdate(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	desired := example(t)
	applyAll(t, d, apply.Create, desired...)
	proxy := find(t, desired, artifact.KindProxy, "payments")
	product := find(t, desired, artifact.KindProduct, "payments")
	changed := []artifact.Object{
		editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. v2."),
		editProduct(t, product, `"approvalType": "manual"`, `"approvalType": "auto"`),
	}
	_, cs := plan(t, d, changed)
	if len(cs.Changes) != 2 || cs.Changes[0].Action != apply.Update || cs.Changes[1].Action != apply.Update {
		t.Fatalf("changes %+v; want two updates", cs.Changes)
	}
	mustContain(t, "product diff", cs.Changes[1].Diff, `-  "approvalType": "manual"`, `+  "approvalType": "auto"`)
	applyAll(t, d, apply.Update, changed...)
	if _, cs := plan(t, d, changed); !cs.Empty() {
		t.Fatalf("plan after update: %+v", cs.Changes)
	}
	if revs := revisionsOf(t, d, "payments"); len(revs) != 2 {
		t.Errorf("revisions %v; want the first and the update", revs)
	}
}

// TestDriftShowsInPlan changes a product and deploys a hand-made revision
// through the API; a plan shows both as updates of lingate's objects with
// what was changed, and an apply puts them back.
func TestDriftShowsInPlan(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	desired := example(t)
	applyAll(t, d, apply.Create, desired...)
	ctx := context.Background()

	product, err := d.svc.Organizations.Apiproducts.Get(d.productPath("orders")).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	product.Quota = "999999"
	if _, err := d.svc.Organizations.Apiproducts.Update(d.productPath("orders"), product).Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	proxy := find(t, desired, artifact.KindProxy, "orders")
	handMade := editProxy(t, proxy, "Managed by lingate.", "Edited by hand.")
	rev := importRaw(t, d, "orders", unstamped(t, handMade))
	deployRaw(t, d, "orders", rev)

	live, cs := plan(t, d, desired)
	if len(live.Foreign) != 0 {
		t.Fatalf("drifted objects read as foreign: %d", len(live.Foreign))
	}
	if len(cs.Changes) != 2 {
		t.Fatalf("changes %+v; want the proxy and the product", cs.Changes)
	}
	mustContain(t, "proxy diff", cs.Changes[0].Diff, "-  <Description>Edited by hand.", "+  <Description>Managed by lingate.")
	mustContain(t, "product diff", cs.Changes[1].Diff, `-  "quota": "999999"`)

	applyAll(t, d, apply.Update, desired...)
	if _, cs := plan(t, d, desired); !cs.Empty() {
		t.Fatalf("plan after putting drift back: %+v", cs.Changes)
	}
	if revs := revisionsOf(t, d, "orders"); len(revs) != 2 || revs[rev] {
		t.Errorf("revisions %v; want lingate's and the hand-made %d (kept, unmarked)", revs, rev)
	}
}

// TestForeignObjects: a product and a proxy of the policies' names made
// without lingate's marker are read as foreign, never as lingate's; an
// update (what apply --adopt does) marks them.
func TestForeignObjects(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	desired := example(t)
	proxy := find(t, desired, artifact.KindProxy, "inventory")
	product := find(t, desired, artifact.KindProduct, "inventory")
	rev := importRaw(t, d, "inventory", unstamped(t, proxy))
	deployRaw(t, d, "inventory", rev)
	body, err := d.productBody(editProduct(t, product, `"name": "lingate-managed"`, `"name": "owner"`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.Organizations.Apiproducts.Create(d.org, body).Context(context.Background()).Do(); err != nil {
		t.Fatal(err)
	}
	// An unmarked proxy the policies do not name is neither read nor listed.
	importRaw(t, d, "stranger", unstamped(t, find(t, desired, artifact.KindProxy, "reports")))

	both := []artifact.Object{proxy, product}
	live, _ := plan(t, d, both)
	if len(live.Objects) != 0 || len(live.Foreign) != 2 {
		t.Fatalf("read %d lingate and %d foreign objects; want 0 and 2", len(live.Objects), len(live.Foreign))
	}
	if apply.ObjectDigest(live.Foreign[0]) != apply.ObjectDigest(proxy) {
		t.Errorf("foreign proxy does not read like a managed one")
	}
	for _, o := range both {
		if err := d.Apply(context.Background(), change(o, apply.Create), o); err == nil || !strings.Contains(err.Error(), "--adopt inventory") {
			t.Fatalf("create over a foreign %s: %v; want a refusal naming --adopt", o.Kind, err)
		}
	}
	if revs := revisionsOf(t, d, "inventory"); len(revs) != 1 {
		t.Fatalf("refused create changed the foreign proxy: revisions %v", revs)
	}
	applyAll(t, d, apply.Update, both...)
	live, cs := plan(t, d, both)
	if len(live.Objects) != 2 || len(live.Foreign) != 0 || !cs.Empty() {
		t.Fatalf("after adopt: %d lingate, %d foreign, changes %+v", len(live.Objects), len(live.Foreign), cs.Changes)
	}
}

// TestDelete removes lingate's proxy and product; a proxy still deployed
// in another environment is only undeployed from this one.
func TestDelete(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	other := driver(t, hs, func(c *Config) { c.Env, c.Environment = "staging", "staging" })
	desired := example(t)
	proxy := find(t, desired, artifact.KindProxy, "reports")
	product := find(t, desired, artifact.KindProduct, "reports")
	applyAll(t, d, apply.Create, proxy, product)
	applyAll(t, other, apply.Create, proxy)

	for _, o := range []artifact.Object{product, proxy} {
		c := apply.Change{Ref: apply.Ref{Env: testEnv, System: o.System, Kind: o.Kind, Name: o.Name}, Action: apply.Delete}
		if err := d.Apply(context.Background(), c, artifact.Object{}); err != nil {
			t.Fatal(err)
		}
	}
	live, _ := plan(t, d, nil)
	if len(live.Objects) != 0 {
		t.Fatalf("after delete: %d objects live in sandbox", len(live.Objects))
	}
	if revs := revisionsOf(t, d, "reports"); len(revs) != 1 {
		t.Fatalf("proxy deployed in staging was deleted or lost revisions: %v", revs)
	}
	c := apply.Change{Ref: apply.Ref{Env: "staging", System: proxy.System, Kind: proxy.Kind, Name: proxy.Name}, Action: apply.Delete}
	if err := other.Apply(context.Background(), c, artifact.Object{}); err != nil {
		t.Fatal(err)
	}
	if revs := revisionsOf(t, d, "reports"); len(revs) != 0 {
		t.Fatalf("proxy deployed nowhere was kept: %v", revs)
	}
}

// TestPruneReadsMarkedObjectsOnly: objects lingate applied but the
// policies no longer name are read (so prune can delete them); unmarked
// ones are not.
func TestPruneReadsMarkedObjectsOnly(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	desired := example(t)
	applyAll(t, d, apply.Create, desired...)
	live, err := d.Read(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Objects) != len(desired) || len(live.Foreign) != 0 {
		t.Fatalf("read %d lingate and %d foreign objects with nothing desired; want %d and 0", len(live.Objects), len(live.Foreign), len(desired))
	}
	cs := apply.Compare([]apply.Pair{{Env: testEnv, Base: live.Objects, Prune: true}})
	if s := cs.Summary(); s.Delete != len(desired) {
		t.Fatalf("prune plan %+v; want %d deletes", s, len(desired))
	}
	// Someone deploys their own revision of a proxy that left the
	// policies: it is theirs now, not pruned.
	orders := find(t, desired, artifact.KindProxy, "orders")
	deployRaw(t, d, "orders", importRaw(t, d, "orders", unstamped(t, editProxy(t, orders, "Managed by lingate.", "Taken over."))))
	live, err = d.Read(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Objects) != len(desired)-1 || slices.ContainsFunc(live.Objects, func(o artifact.Object) bool { return o.Kind == artifact.KindProxy && o.Name == "orders" }) {
		t.Fatalf("read %d objects after a hand-made deploy of orders; want %d, without the proxy orders", len(live.Objects), len(desired)-1)
	}
}

// TestImpact: deleting a product says what happens to developer apps;
// nothing else has an impact beyond its object.
func TestImpact(t *testing.T) {
	d := driver(t, emulated(t, emulator.Config{}))
	desired := example(t)
	product, proxy := find(t, desired, artifact.KindProduct, "orders"), find(t, desired, artifact.KindProxy, "orders")
	got, err := d.Impact(context.Background(), change(product, apply.Delete), product, artifact.Object{})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "impact", got, "developer apps", "API product orders", "proxy orders")
	for _, c := range []apply.Change{change(product, apply.Update), change(proxy, apply.Delete), change(proxy, apply.Create)} {
		if got, err := d.Impact(context.Background(), c, proxy, proxy); got != "" || err != nil {
			t.Errorf("%s %s: impact %q, %v; want none", c.Action, c.Kind, got, err)
		}
	}
}

// TestImpactNamesMissingTargetServers: a proxy whose targets name a
// TargetServer the environment lacks is planned with an impact saying the
// deploy will fail (lingate does not create TargetServers); once it
// exists, nothing is said.
func TestImpactNamesMissingTargetServers(t *testing.T) {
	hs := emulated(t, emulator.Config{})
	d := driver(t, hs)
	var named artifact.Object
	for _, o := range example(t) {
		if o.Kind == artifact.KindProxy && len(targetServers(o)) > 0 {
			named = o
			break
		}
	}
	if named.Name == "" {
		t.Fatal("no example proxy names a TargetServer")
	}
	if got, err := d.Impact(context.Background(), change(named, apply.Update), artifact.Object{}, named); err != nil || got != "" {
		t.Fatalf("with every TargetServer created: %q, %v; want nothing", got, err)
	}
	server := targetServers(named)[0]
	if _, err := d.svc.Organizations.Environments.Targetservers.Delete(d.env + "/targetservers/" + server).Context(context.Background()).Do(); err != nil {
		t.Fatal(err)
	}
	got, err := d.Impact(context.Background(), change(named, apply.Create), artifact.Object{}, named)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "impact", got, "target server "+server+" does not exist in Apigee environment "+testEnv, "the deploy fails until it is created")
	if got, _ := d.Impact(context.Background(), change(named, apply.Delete), named, artifact.Object{}); got != "" {
		t.Errorf("a delete needs no TargetServer: %q", got)
	}
}
