package apigee_test

import (
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	apigeev1 "google.golang.org/api/apigee/v1"
)

// urlTarget is a TargetEndpoint with a plain URL: a real environment has no
// TargetServer for the contract's proxies.
const urlTarget = `<TargetEndpoint name="default"><HTTPTargetConnection><URL>https://example.com</URL></HTTPTargetConnection></TargetEndpoint>`

// accProxy imports a proxy with a plain URL target n times and removes it
// when the test ends.
func (c *contractTarget) accProxy(t *testing.T, api string, n int, fs files) {
	t.Helper()
	z := zipOf(t, fs)
	for i := range n {
		if code, body := c.importBundle(t, "import", api, z); code != http.StatusOK {
			t.Fatalf("import %d of %s: %d %s", i+1, api, code, body)
		}
		if i == 0 {
			t.Cleanup(func() { _, _ = c.svc.Organizations.Apis.Delete(c.name("/apis/", api)).Do() })
		}
	}
}

func (c *contractTarget) files(api string) files {
	return validFiles(api, "/"+api).with("apiproxy/targets/default.xml", urlTarget)
}

// From documents (AIP-193 and #11 item 9): an organization the caller
// cannot see, existing or not, is 403 PERMISSION_DENIED; an unknown
// environment of the organization is 404 NOT_FOUND. Nothing is created by
// reading either.
func TestContractUnknownOrganizationAndEnvironment(t *testing.T) {
	c := newContractTarget(t)
	missing := accName(t)
	_, err := c.svc.Organizations.Get("organizations/" + missing).Do()
	wantGoogleStatus(t, err, http.StatusForbidden, "PERMISSION_DENIED")
	_, err = c.svc.Organizations.Apiproducts.List("organizations/" + missing).Do()
	wantGoogleStatus(t, err, http.StatusForbidden, "PERMISSION_DENIED")
	// Read twice: the first read must not have created the environment.
	for range 2 {
		_, err = c.svc.Organizations.Environments.Get(c.name("/environments/", missing)).Do()
		wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
	}

	api := accName(t)
	c.accProxy(t, api, 1, c.files(api))
	_, err = c.svc.Organizations.Environments.Apis.Revisions.Deploy(c.name("/environments/", missing, "/apis/", api, "/revisions/1")).Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
}

// From documents: the revision list of a proxy is sorted as text, so at
// ten revisions or more its last element is not the newest.
func TestContractRevisionsSortAsText(t *testing.T) {
	c := newContractTarget(t)
	api := accName(t)
	c.accProxy(t, api, 11, c.files(api))
	p, err := c.svc.Organizations.Apis.Get(c.name("/apis/", api)).Do()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"}
	if !reflect.DeepEqual(p.Revision, want) || p.LatestRevisionId != "11" {
		t.Errorf("revisions %v latest %s, want %v latest 11", p.Revision, p.LatestRevisionId, want)
	}
}

// From documents: Apigee keeps at most 250 revisions of a proxy; the next
// import fails with a 400. Slow against a real organization.
func TestContractRevisionLimit(t *testing.T) {
	c := newContractTarget(t)
	if !c.slow {
		t.Skip("set LINGATE_ACC_APIGEE_SLOW=1 to import 251 revisions")
	}
	api := accName(t)
	c.accProxy(t, api, 250, c.files(api))
	code, body := c.importBundle(t, "import", api, zipOf(t, c.files(api)))
	wantAPIError(t, code, body, http.StatusBadRequest, "FAILED_PRECONDITION")
}

// From documents: import refuses a policy of an unknown type and an
// AssignTo whose transport is not http, each as a BadBundle violation on
// the policy's file; a step naming an absent policy is refused too.
func TestContractImportRefusals(t *testing.T) {
	c := newContractTarget(t)
	api := accName(t)
	const policy = "apiproxy/policies/AM-SetHeaders.xml"
	cases := map[string]files{
		"unknown type": c.files(api).with(policy, `<AssignMesage name="AM-SetHeaders"/>`),
		"transport": c.files(api).with(policy,
			`<AssignMessage name="AM-SetHeaders"><AssignTo createNew="false" transport="https" type="request"/></AssignMessage>`),
		"absent policy": c.files(api).without(policy),
	}
	for _, name := range []string{"unknown type", "transport", "absent policy"} {
		code, body := c.importBundle(t, "validate", api, zipOf(t, cases[name]))
		e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
		if detailOf(e.Error.Details, "type.googleapis.com/edge.configstore.bundle.BadBundle") == nil {
			t.Errorf("%s: no BadBundle detail in %s", name, body)
		}
	}
}

// From documents: a product naming a proxy that does not exist is refused
// with a 400; more than one resource/method pair in an operation config is
// refused; the stored product has operationConfigType "proxy" and an
// operation quota without a time unit gets "hour". Sets are compared as
// sets: the API does not promise their order.
func TestContractProductsAsStored(t *testing.T) {
	c := newContractTarget(t)
	api, name := accName(t), accName(t)
	products := c.svc.Organizations.Apiproducts
	_, err := products.Create(c.name(), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: name, DisplayName: name, Proxies: []string{api}}).Do()
	wantGoogleStatus(t, err, http.StatusBadRequest, "INVALID_ARGUMENT")

	c.accProxy(t, api, 1, c.files(api))
	config := func(ops ...*apigeev1.GoogleCloudApigeeV1Operation) *apigeev1.GoogleCloudApigeeV1ApiProduct {
		return &apigeev1.GoogleCloudApigeeV1ApiProduct{
			Name: name, DisplayName: name, ApprovalType: "auto", Environments: []string{c.env}, Scopes: []string{"b.write", "a.read"},
			OperationGroup: &apigeev1.GoogleCloudApigeeV1OperationGroup{OperationConfigs: []*apigeev1.GoogleCloudApigeeV1OperationConfig{{
				ApiSource: api, Operations: ops, Quota: &apigeev1.GoogleCloudApigeeV1Quota{Limit: "10", Interval: "1"},
			}}},
		}
	}
	_, err = products.Create(c.name(), config(
		&apigeev1.GoogleCloudApigeeV1Operation{Resource: "/a", Methods: []string{"GET"}},
		&apigeev1.GoogleCloudApigeeV1Operation{Resource: "/b", Methods: []string{"GET"}})).Do()
	wantGoogleStatus(t, err, http.StatusBadRequest, "INVALID_ARGUMENT")

	if _, err := products.Create(c.name(), config(&apigeev1.GoogleCloudApigeeV1Operation{Resource: "/a", Methods: []string{"POST", "GET"}})).Do(); err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() { _, _ = products.Delete(c.name("/apiproducts/", name)).Do() })
	got, err := products.Get(c.name("/apiproducts/", name)).Do()
	if err != nil {
		t.Fatal(err)
	}
	g := got.OperationGroup
	if g == nil || g.OperationConfigType != "proxy" || len(g.OperationConfigs) != 1 || g.OperationConfigs[0].Quota.TimeUnit != "hour" {
		t.Fatalf("operation group = %+v, want type proxy and time unit hour", g)
	}
	if !sameSet(got.Scopes, []string{"a.read", "b.write"}) || !sameSet(g.OperationConfigs[0].Operations[0].Methods, []string{"GET", "POST"}) {
		t.Errorf("scopes %v, methods %v: not the sets sent", got.Scopes, g.OperationConfigs[0].Operations[0].Methods)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// From documents: a deployment reports serviceAccount as its full
// resource name, projects/-/serviceAccounts/EMAIL.
func TestContractServiceAccountName(t *testing.T) {
	c := newContractTarget(t)
	if c.sa == "" {
		t.Skip("set LINGATE_ACC_APIGEE_SA to a service account the caller may act as")
	}
	api := accName(t)
	c.accProxy(t, api, 1, c.files(api))
	deployment := c.name("/environments/", c.env, "/apis/", api, "/revisions/1")
	revs := c.svc.Organizations.Environments.Apis.Revisions
	if _, err := revs.Deploy(deployment).ServiceAccount(c.sa).Do(); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	t.Cleanup(func() { _, _ = revs.Undeploy(deployment).Do() })
	c.waitState(t, deployment)
	d, err := revs.GetDeployments(deployment).Do()
	if err != nil || d.ServiceAccount != "projects/-/serviceAccounts/"+c.sa {
		t.Errorf("serviceAccount = %q (%v), want projects/-/serviceAccounts/%s", d.ServiceAccount, err, c.sa)
	}
}

// From documents: entries of a map with maskedValues are not returned as
// stored.
func TestContractMaskedValues(t *testing.T) {
	c := newContractTarget(t)
	name := accName(t)
	kvms := c.svc.Organizations.Environments.Keyvaluemaps
	parent := c.name("/environments/", c.env)
	if _, err := kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: name, Encrypted: true, MaskedValues: true}).Do(); err != nil {
		t.Fatalf("create map: %v", err)
	}
	mapName := parent + "/keyvaluemaps/" + name
	t.Cleanup(func() { _, _ = kvms.Delete(mapName).Do() })
	if _, err := kvms.Entries.Create(mapName, entry("secret", "s3cr3t-value")).Do(); err != nil {
		t.Fatalf("create entry: %v", err)
	}
	e, err := kvms.Entries.Get(mapName + "/entries/secret").Do()
	if err != nil || e.Value == "s3cr3t-value" || e.Value == "" {
		t.Errorf("masked entry = %+v, %v; want a masked value", e, err)
	}
}

// From documents: a TargetServer a target names must exist in the
// environment for the deploy to succeed.
func TestContractTargetServerAtDeploy(t *testing.T) {
	c := newContractTarget(t)
	api, ts := accName(t), accName(t)
	lb := strings.Replace(lbTarget, "orders-backend", ts, 1)
	c.accProxy(t, api, 1, validFiles(api, "/"+api).with("apiproxy/targets/default.xml", lb))
	deployment := c.name("/environments/", c.env, "/apis/", api, "/revisions/1")
	revs := c.svc.Organizations.Environments.Apis.Revisions
	_, err := revs.Deploy(deployment).Do()
	wantGoogleStatus(t, err, http.StatusBadRequest, "FAILED_PRECONDITION")

	tss := c.svc.Organizations.Environments.Targetservers
	if _, err := tss.Create(c.name("/environments/", c.env), &apigeev1.GoogleCloudApigeeV1TargetServer{Name: ts, Host: "example.com", Port: 443}).Do(); err != nil {
		t.Fatalf("create TargetServer: %v", err)
	}
	t.Cleanup(func() { _, _ = tss.Delete(c.name("/environments/", c.env, "/targetservers/", ts)).Do() })
	if _, err := revs.Deploy(deployment).Do(); err != nil {
		t.Fatalf("deploy with the TargetServer: %v", err)
	}
	t.Cleanup(func() { _, _ = revs.Undeploy(deployment).Do() })
	if state := c.waitState(t, deployment); state != "READY" {
		t.Errorf("state %s, want READY", state)
	}
}

// From documents: a base path deployed in one environment of a group and
// then in another environment of the same group is READY in the second,
// with the first in routeConflicts.
func TestContractRouteConflicts(t *testing.T) {
	c := newContractTarget(t)
	if c.env2 == "" {
		t.Skip("set LINGATE_ACC_APIGEE_ENV2 to a second environment of the group of LINGATE_ACC_APIGEE_ENV")
	}
	first, second := accName(t), accName(t)
	basepath := "/" + first
	c.accProxy(t, first, 1, validFiles(first, basepath).with("apiproxy/targets/default.xml", urlTarget))
	c.accProxy(t, second, 1, validFiles(second, basepath).with("apiproxy/targets/default.xml", urlTarget))
	revs := c.svc.Organizations.Environments.Apis.Revisions
	d1 := c.name("/environments/", c.env, "/apis/", first, "/revisions/1")
	d2 := c.name("/environments/", c.env2, "/apis/", second, "/revisions/1")
	for _, d := range []string{d1, d2} {
		if _, err := revs.Deploy(d).Do(); err != nil {
			t.Fatalf("deploy %s: %v", d, err)
		}
		t.Cleanup(func() { _, _ = revs.Undeploy(d).Do() })
		c.waitState(t, d)
	}
	got, err := revs.GetDeployments(d2).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "READY" || !slices.ContainsFunc(got.RouteConflicts, func(rc *apigeev1.GoogleCloudApigeeV1DeploymentChangeReportRoutingConflict) bool {
		return rc.ConflictingDeployment != nil && rc.ConflictingDeployment.ApiProxy == first && rc.ConflictingDeployment.Environment == c.env
	}) {
		t.Errorf("second deployment: state %s, routeConflicts %+v; want READY with a conflict on %s in %s", got.State, got.RouteConflicts, first, c.env)
	}
}
