package apigee

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestDeploymentLeftInErrorIsRedeployed: an apply stopped between a deploy
// and its rollback leaves the desired revision deployed in ERROR. The plan
// is an update saying so, not "no changes", and the apply deploys the
// revision again instead of waiting on the failed deployment.
func TestDeploymentLeftInErrorIsRedeployed(t *testing.T) {
	var mu sync.Mutex
	deploys := map[int]int{}
	hs := emulated(t, apigeeemu.Config{DeployError: func(org, env, api string, rev int) string {
		mu.Lock()
		defer mu.Unlock()
		deploys[rev]++
		if api == "orders" && rev == 2 && deploys[rev] == 1 {
			return "runtime cannot load the proxy"
		}
		return ""
	}})
	d := driver(t, hs)
	ctx := context.Background()
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, d, apply.Create, proxy)
	next := editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. Next.")
	// What a killed apply leaves: revision 2 imported and deployed, no rollback.
	deployBroken(t, d, next)

	live, cs := plan(t, d, []artifact.Object{next})
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update {
		t.Fatalf("plan of a revision deployed in ERROR: %+v; want one update", cs.Changes)
	}
	mustContain(t, "reason", cs.Changes[0].Reason, "revision 2", "ERROR", "runtime cannot load the proxy", "deploys it again")
	if len(live.Unhealthy) != 1 {
		t.Errorf("live.Unhealthy = %+v; want orders", live.Unhealthy)
	}

	if err := d.Apply(ctx, cs.Changes[0], next); err != nil {
		t.Fatalf("apply of the update: %v", err)
	}
	if dep, _ := d.deployedHere(ctx, "orders"); dep != 2 {
		t.Errorf("deployed revision %d; want 2", dep)
	}
	if _, cs := plan(t, d, []artifact.Object{next}); !cs.Empty() {
		t.Errorf("plan after the redeploy: %+v", cs.Changes)
	}
	mu.Lock()
	defer mu.Unlock()
	if deploys[2] != 2 {
		t.Errorf("revision 2 deployed %d times; want 2 (the failed one, then again)", deploys[2])
	}
}

// TestRouteConflictFailsTheProxy: a deployment that is READY while its
// environment group routes its base path to a deployment of another
// environment serves nothing: apply fails the proxy naming the other
// environment and proxy, and a plan of such a deployment says so.
func TestRouteConflictFailsTheProxy(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{Organizations: []apigeeemu.Organization{{
		Name: testOrg, Environments: []string{testEnv, "other"},
		EnvironmentGroups: map[string][]string{"shared": {"other", testEnv}},
	}}})
	other := driver(t, hs, func(c *Config) { c.Env, c.Environment = "other", "other" })
	d := driver(t, hs)
	ctx := context.Background()
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, other, apply.Create, proxy)

	err := d.Apply(ctx, change(proxy, apply.Create), proxy)
	if err == nil {
		t.Fatal("a deployment whose base path another environment of the group serves succeeded")
	}
	mustContain(t, "error", err.Error(), "apigee proxy orders", "serves no traffic", "proxy orders revision 1 in environment other", "environment group shared", "undeployed it")

	// Deployed by hand all the same: the plan says why it is not serving.
	deployBroken(t, d, proxy)
	_, cs := plan(t, d, []artifact.Object{proxy})
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update {
		t.Fatalf("plan of a deployment with a route conflict: %+v; want one update", cs.Changes)
	}
	mustContain(t, "reason", cs.Changes[0].Reason, "route conflict", "environment other", "until the conflict is resolved")
	err = d.Apply(ctx, cs.Changes[0], proxy)
	if err == nil {
		t.Fatal("apply of a deployment with a route conflict succeeded")
	}
	mustContain(t, "error", err.Error(), "serves no traffic", "environment other")
}

// TestOutcomeNamesTheProxyOnce: the executor's outcome names the change;
// the driver's error, which names it too, is not repeated after it.
func TestOutcomeNamesTheProxyOnce(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{DeployError: func(string, string, string, int) string { return "no capacity" }})
	d := driver(t, hs)
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	cs := apply.ChangeSet{Changes: []apply.Change{change(proxy, apply.Create)}}
	res, err := apply.Execute(context.Background(), cs, []artifact.Set{{Env: testEnv, Objects: []artifact.Object{proxy}}},
		map[apply.Target]apply.Driver{{Env: testEnv, System: d.System()}: d}, apply.ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := res.Outcomes[0]
	if o.Status != apply.Failed {
		t.Fatalf("outcome %+v; want failed", o)
	}
	if strings.Contains(o.Error, "apigee proxy orders") {
		t.Errorf("outcome error names the proxy again: %q", o.Error)
	}
	mustContain(t, "outcome error", o.Error, "revision 1 in environment sandbox", "no capacity", "undeployed it")
}

// deployBroken imports o and deploys it with no rollback, as an apply
// killed after its deploy would, and waits until the deployment is READY
// or in ERROR, which must not serve.
func deployBroken(t *testing.T, d *Driver, o artifact.Object) {
	t.Helper()
	ctx := context.Background()
	rev, err := d.revisionFor(ctx, d.revisions(o.Name), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.deploy(ctx, o.Name, rev); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(ctx, o.Name, rev); err == nil {
		t.Fatalf("the deployment of %s revision %d serves; want it in ERROR or without routes", o.Name, rev)
	}
}

// TestDeploymentStillProgressingIsPlanned: a deployment an apply stopped
// waiting for is not serving yet: the plan is an update saying so, and the
// apply waits for it instead of calling it done.
func TestDeploymentStillProgressingIsPlanned(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{ReadyAfter: 4})
	d := driver(t, hs)
	ctx := context.Background()
	proxy := find(t, example(t), artifact.KindProxy, "orders")
	applyAll(t, d, apply.Create, proxy)
	next := editProxy(t, proxy, "Managed by lingate.", "Managed by lingate. Next.")
	rev, err := d.revisionFor(ctx, d.revisions("orders"), next)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.deploy(ctx, "orders", rev); err != nil {
		t.Fatal(err)
	}
	_, cs := plan(t, d, []artifact.Object{next})
	if len(cs.Changes) != 1 || cs.Changes[0].Action != apply.Update {
		t.Fatalf("plan of a deployment still in progress: %+v; want one update", cs.Changes)
	}
	mustContain(t, "reason", cs.Changes[0].Reason, "revision 2", "PROGRESSING", "apply waits")
	if err := d.Apply(ctx, cs.Changes[0], next); err != nil {
		t.Fatal(err)
	}
	if _, cs := plan(t, d, []artifact.Object{next}); !cs.Empty() {
		t.Errorf("plan once the deployment is READY: %+v", cs.Changes)
	}
}
