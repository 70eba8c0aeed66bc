package apigee_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	apigeev1 "google.golang.org/api/apigee/v1"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

func deployPath(org, env, api string, rev int) string {
	return fmt.Sprintf("organizations/%s/environments/%s/apis/%s/revisions/%d", org, env, api, rev)
}

// poll reads a deployment's status n times and returns the states seen.
func (f *fixture) poll(name string, n int) ([]string, *apigeev1.GoogleCloudApigeeV1Deployment) {
	f.t.Helper()
	var states []string
	var d *apigeev1.GoogleCloudApigeeV1Deployment
	for range n {
		var err error
		d, err = f.svc.Organizations.Environments.Apis.Revisions.GetDeployments(name).Do()
		if err != nil {
			f.t.Fatalf("status of %s: %v", name, err)
		}
		states = append(states, d.State)
	}
	return states, d
}

func TestDeploymentLifecycle(t *testing.T) {
	f := newFixture(t, emu.Config{ReadyAfter: 2})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	revs := f.svc.Organizations.Environments.Apis.Revisions
	name := deployPath("sandbox", "prod", "orders-v1", 1)

	d, err := revs.Deploy(name).Override(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	if d.Environment != "prod" || d.ApiProxy != "orders-v1" || d.Revision != "1" || d.DeployStartTime != 1_700_000_000_000 {
		t.Errorf("deploy answer = %+v", d)
	}
	states, last := f.poll(name, 3)
	if strings.Join(states, ",") != "PROGRESSING,PROGRESSING,READY" {
		t.Errorf("states %v, want PROGRESSING twice then READY", states)
	}
	if len(last.Instances) != 1 || last.Instances[0].DeployedRoutes[0].Basepath != "/orders/v1" || last.Instances[0].DeployedRevisions[0].Percentage != 100 {
		t.Errorf("READY instances = %+v", last.Instances)
	}

	f.wantDeployments("sandbox", "prod", "orders-v1", "1")
	if _, err := revs.Undeploy(name).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = revs.GetDeployments(name).Do()
	wantGoogleError(t, err, http.StatusNotFound, "organizations/sandbox/apis/orders-v1/revisions/1 is not deployed")
	_, err = revs.Undeploy(name).Do()
	wantGoogleError(t, err, http.StatusNotFound, "is not deployed")
	f.wantDeployments("sandbox", "prod")
}

// wantDeployments checks every deployments list sees exactly the
// (proxy, revision) pairs given.
func (f *fixture) wantDeployments(org, env string, pairs ...string) {
	f.t.Helper()
	o := f.svc.Organizations
	lists := map[string]func() (*apigeev1.GoogleCloudApigeeV1ListDeploymentsResponse, error){
		"environment": func() (*apigeev1.GoogleCloudApigeeV1ListDeploymentsResponse, error) {
			return o.Environments.Deployments.List(orgPath(org) + "/environments/" + env).Do()
		},
		"organization": func() (*apigeev1.GoogleCloudApigeeV1ListDeploymentsResponse, error) {
			return o.Deployments.List(orgPath(org)).Do()
		},
	}
	if len(pairs) > 0 {
		api := pairs[0]
		lists["proxy"] = func() (*apigeev1.GoogleCloudApigeeV1ListDeploymentsResponse, error) {
			return o.Apis.Deployments.List(orgPath(org) + "/apis/" + api).Do()
		}
		lists["proxy in env"] = func() (*apigeev1.GoogleCloudApigeeV1ListDeploymentsResponse, error) {
			return o.Environments.Apis.Deployments.List(orgPath(org) + "/environments/" + env + "/apis/" + api).Do()
		}
		lists["revision"] = func() (*apigeev1.GoogleCloudApigeeV1ListDeploymentsResponse, error) {
			return o.Apis.Revisions.Deployments.List(orgPath(org) + "/apis/" + api + "/revisions/" + pairs[1]).Do()
		}
	}
	for what, list := range lists {
		resp, err := list()
		if err != nil {
			f.t.Fatalf("%s deployments: %v", what, err)
		}
		var got []string
		for _, d := range resp.Deployments {
			if d.Environment != env || d.State != "" {
				f.t.Errorf("%s deployments: entry %+v, want env %s and no state", what, d, env)
			}
			got = append(got, d.ApiProxy, d.Revision)
		}
		if strings.Join(got, ",") != strings.Join(pairs, ",") {
			f.t.Errorf("%s deployments = %v, want %v", what, got, pairs)
		}
	}
}

func TestDeployWithoutOverrideConflicts(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	f.mustImport("sandbox", "orders-v1", z)
	f.mustImport("sandbox", "orders-v1", z)
	revs := f.svc.Organizations.Environments.Apis.Revisions
	if _, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 1)).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 1)).Do(); err != nil {
		t.Errorf("redeploying the deployed revision: %v", err)
	}
	// Apigee answers "deployment validations failed"; the reason is in the
	// violation (scastria/terraform-provider-apigee#47).
	_, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 2)).Do()
	ge := wantGoogleError(t, err, http.StatusBadRequest, "deployment validations failed")
	e := decodeError(t, []byte(ge.Body))
	pf := detailOf(e.Error.Details, "type.googleapis.com/google.rpc.PreconditionFailure")
	want := "[map[description:Only one revision can be deployed at a time, use the override flag to replace. " +
		"subject:organizations/sandbox/apis/orders-v1/revisions/1 type:CONFLICTING_DEPLOYMENT]]"
	if e.Error.Message != "deployment validations failed" || e.Error.Status != "FAILED_PRECONDITION" || pf == nil || fmt.Sprint(pf["violations"]) != want {
		t.Errorf("conflict error = %s", ge.Body)
	}

	if _, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 2)).Override(true).Do(); err != nil {
		t.Fatal(err)
	}
	f.wantDeployments("sandbox", "prod", "orders-v1", "2")
	_, err = revs.GetDeployments(deployPath("sandbox", "prod", "orders-v1", 1)).Do()
	wantGoogleError(t, err, http.StatusNotFound, "is not deployed")
	_, err = revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 9)).Do()
	wantGoogleError(t, err, http.StatusNotFound, "revision 9 of API proxy orders-v1 does not exist")
}

// A base path another proxy's deployment already serves in the environment
// fails the deploy call itself, as Apigee's deployment validation does
// (apigee/apigee-deploy-maven-plugin#153): 400 FAILED_PRECONDITION
// "deployment validations failed" with a CONFLICTING_DEPLOYMENT violation
// naming the existing deployment. Nothing changes: the revision that was
// deployed stays deployed.
func TestBasepathTakenByAnotherProxyIsRefused(t *testing.T) {
	f := newFixture(t, emu.Config{})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders")))
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/")))
	f.mustImport("sandbox", "orders-copy", zipOf(t, validFiles("orders-copy", "/orders")))
	f.mustImport("sandbox", "orders-copy", zipOf(t, validFiles("orders-copy", "/other")))
	revs := f.svc.Organizations.Environments.Apis.Revisions
	for _, name := range []string{deployPath("sandbox", "prod", "orders-v1", 1), deployPath("sandbox", "prod", "orders-copy", 2)} {
		if _, err := revs.Deploy(name).Do(); err != nil {
			t.Fatalf("deploy %s: %v", name, err)
		}
	}
	_, err := revs.Deploy(deployPath("sandbox", "prod", "orders-copy", 1)).Override(true).Do()
	ge := wantGoogleError(t, err, http.StatusBadRequest, "deployment validations failed")
	e := decodeError(t, []byte(ge.Body))
	pf := detailOf(e.Error.Details, "type.googleapis.com/google.rpc.PreconditionFailure")
	want := `[map[description:Existing deployment of "organizations/sandbox/apis/orders-v1/revisions/1" contains conflicting base paths: [/orders]. subject:organizations/sandbox/apis/orders-v1/revisions/1 type:CONFLICTING_DEPLOYMENT]]`
	if e.Error.Status != "FAILED_PRECONDITION" || pf == nil || fmt.Sprint(pf["violations"]) != want {
		t.Errorf("conflict error = %s", ge.Body)
	}
	list, err := f.svc.Organizations.Environments.Deployments.List(orgPath("sandbox") + "/environments/prod").Do()
	if err != nil || len(list.Deployments) != 2 || list.Deployments[0].Revision != "2" || list.Deployments[1].Revision != "1" {
		t.Errorf("deployments after the refused deploy = %+v, %v; want orders-copy 2 and orders-v1 1", list, err)
	}
	_, err = revs.GetDeployments(deployPath("sandbox", "prod", "orders-copy", 1)).Do()
	wantGoogleError(t, err, http.StatusNotFound, "is not deployed")

	// The same proxy taking over its own base path is a normal roll-over.
	if _, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 2)).Override(true).Do(); err != nil {
		t.Fatal(err)
	}
	if states, _ := f.poll(deployPath("sandbox", "prod", "orders-v1", 2), 2); states[1] != "READY" {
		t.Errorf("override of the same proxy: states %v, want READY", states)
	}
	// Another environment has its own base paths.
	if _, err := revs.Deploy(deployPath("sandbox", "test", "orders-copy", 1)).Do(); err != nil {
		t.Fatal(err)
	}
	if states, _ := f.poll(deployPath("sandbox", "test", "orders-copy", 1), 2); states[1] != "READY" {
		t.Errorf("other environment: states %v, want READY", states)
	}
}

// A deployment the runtime cannot serve goes PROGRESSING, then ERROR with
// the reason in errors; Config.DeployError decides which ones fail.
func TestDeploymentEndsInErrorWhenTheRuntimeFails(t *testing.T) {
	fail := func(org, env, api string, rev int) string {
		if rev == 2 {
			return "revision 2 cannot be loaded"
		}
		return ""
	}
	f := newFixture(t, emu.Config{DeployError: fail})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	f.mustImport("sandbox", "orders-v1", z)
	f.mustImport("sandbox", "orders-v1", z)
	revs := f.svc.Organizations.Environments.Apis.Revisions
	if _, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 2)).Do(); err != nil {
		t.Fatal(err)
	}
	states, d := f.poll(deployPath("sandbox", "prod", "orders-v1", 2), 2)
	if strings.Join(states, ",") != "PROGRESSING,ERROR" {
		t.Fatalf("states %v, want PROGRESSING then ERROR", states)
	}
	if len(d.Errors) != 1 || d.Errors[0].Message != "revision 2 cannot be loaded" || d.Instances != nil {
		t.Errorf("ERROR deployment = %+v", d)
	}
	// Rolling back to a revision that works.
	if _, err := revs.Deploy(deployPath("sandbox", "prod", "orders-v1", 1)).Override(true).Do(); err != nil {
		t.Fatal(err)
	}
	if states, _ := f.poll(deployPath("sandbox", "prod", "orders-v1", 1), 2); states[1] != "READY" {
		t.Errorf("rollback: states %v, want READY", states)
	}
}

func TestDeleteRefusedWhileDeployed(t *testing.T) {
	f := newFixture(t, emu.Config{})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	name := deployPath("sandbox", "prod", "orders-v1", 1)
	revs := f.svc.Organizations.Environments.Apis.Revisions
	if _, err := revs.Deploy(name).Do(); err != nil {
		t.Fatal(err)
	}
	apis := f.svc.Organizations.Apis
	_, err := apis.Revisions.Delete(orgPath("sandbox") + "/apis/orders-v1/revisions/1").Do()
	wantGoogleError(t, err, http.StatusBadRequest, "is deployed in environment prod")
	_, err = apis.Delete(orgPath("sandbox") + "/apis/orders-v1").Do()
	wantGoogleError(t, err, http.StatusBadRequest, "is deployed in environment prod")

	if _, err := revs.Undeploy(name).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := apis.Revisions.Delete(orgPath("sandbox") + "/apis/orders-v1/revisions/1").Do(); err != nil {
		t.Errorf("delete after undeploy: %v", err)
	}
	if _, err := apis.Delete(orgPath("sandbox") + "/apis/orders-v1").Do(); err != nil {
		t.Errorf("delete proxy after undeploy: %v", err)
	}
}

func TestDeployNeedsServiceAccountForGoogleAuth(t *testing.T) {
	f := newFixture(t, emu.Config{ReadyAfter: -1})
	target := `<TargetEndpoint name="default"><HTTPTargetConnection>
  <Authentication><GoogleIDToken><Audience>https://run.example</Audience></GoogleIDToken></Authentication>
  <URL>https://run.example</URL></HTTPTargetConnection></TargetEndpoint>`
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1").with("apiproxy/targets/default.xml", target)))
	name := deployPath("sandbox", "prod", "orders-v1", 1)
	revs := f.svc.Organizations.Environments.Apis.Revisions
	_, err := revs.Deploy(name).Do()
	wantGoogleError(t, err, http.StatusBadRequest, "requires a service account identity, but one was not provided with the request.")
	sa := "proxy@project.iam.gserviceaccount.com"
	if _, err := revs.Deploy(name).ServiceAccount(sa).Do(); err != nil {
		t.Fatal(err)
	}
	states, d := f.poll(name, 1)
	if states[0] != "READY" || d.ServiceAccount != "projects/-/serviceAccounts/"+sa {
		t.Errorf("with ReadyAfter -1: state %v, service account %q", states, d.ServiceAccount)
	}
}

// TestRouteConflictsAcrossAnEnvironmentGroup: dev and test share the group
// "public", prod is alone. A base path deployed in dev first and then in
// test is READY in test but reported in routeConflicts and not routed
// there; the same base path in prod, outside the group, has no conflict.
func TestRouteConflictsAcrossAnEnvironmentGroup(t *testing.T) {
	f := newFixture(t, emu.Config{ReadyAfter: -1, Organizations: declared("").Organizations})
	f.mustImport("acme", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	f.mustImport("acme", "orders-copy", zipOf(t, validFiles("orders-copy", "/orders/v1")))
	revs := f.svc.Organizations.Environments.Apis.Revisions
	for _, p := range []string{deployPath("acme", "dev", "orders-v1", 1), deployPath("acme", "test", "orders-copy", 1), deployPath("acme", "prod", "orders-copy", 1)} {
		if _, err := revs.Deploy(p).Do(); err != nil {
			t.Fatalf("deploy %s: %v", p, err)
		}
		f.clock.Add(time.Second)
	}
	_, d := f.poll(deployPath("acme", "test", "orders-copy", 1), 1)
	if d.State != "READY" || len(d.RouteConflicts) != 1 {
		t.Fatalf("test deployment: state %s, conflicts %+v; want READY with one conflict", d.State, d.RouteConflicts)
	}
	c := d.RouteConflicts[0]
	if c.EnvironmentGroup != "public" || c.ConflictingDeployment.ApiProxy != "orders-v1" || c.ConflictingDeployment.Environment != "dev" ||
		c.ConflictingDeployment.Basepath != "/orders/v1" || c.ConflictingDeployment.Revision != "1" || c.Description == "" {
		t.Errorf("conflict = %+v %+v", c, c.ConflictingDeployment)
	}
	if len(d.Instances) != 1 || len(d.Instances[0].DeployedRoutes) != 0 {
		t.Errorf("a conflicting base path is routed: %+v", d.Instances)
	}
	for _, p := range []string{deployPath("acme", "dev", "orders-v1", 1), deployPath("acme", "prod", "orders-copy", 1)} {
		if _, d := f.poll(p, 1); d.State != "READY" || len(d.RouteConflicts) != 0 || len(d.Instances[0].DeployedRoutes) != 1 {
			t.Errorf("%s: state %s conflicts %+v routes %+v; want READY, routed, no conflict", p, d.State, d.RouteConflicts, d.Instances)
		}
	}
}
