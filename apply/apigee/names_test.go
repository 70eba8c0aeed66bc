package apigee

import (
	"context"
	"testing"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestHostileNamesNeverReachAURL: a change whose name is not an Apigee
// name (a hand-edited plan file: path segments, a query) is refused before
// any call, naming it; so are an organization and environment that would
// change the request's path.
func TestHostileNamesNeverReachAURL(t *testing.T) {
	hs := emulated(t, apigeeemu.Config{})
	d := driver(t, hs)
	for _, kind := range []string{artifact.KindProxy, artifact.KindProduct} {
		for _, name := range []string{"../environments/sandbox/keyvaluemaps/lingate", "orders?force=true", "orders#x", "orders/revisions/1", "", "%2e%2e"} {
			c := apply.Change{Ref: apply.Ref{Env: testEnv, System: artifact.SystemApigee, Kind: kind, Name: name}, Action: apply.Delete}
			err := d.Apply(context.Background(), c, artifact.Object{})
			mustContain(t, "delete of "+kind+" "+name, errString(err), "expected letters, digits")
		}
	}
	for _, bad := range []Config{
		{Organization: "acme/environments/prod", Environment: "prod"},
		{Organization: "acme", Environment: "prod?x=1"},
		{Organization: "..", Environment: "prod"},
	} {
		bad.Env = "x"
		_, err := New(bad)
		mustContain(t, "New", errString(err), "expected letters, digits")
	}
}

// TestServingRevision: of several revisions of a proxy listed in one
// environment (a rollover not yet finished), the one deployed last serves,
// whatever the list's order; read and apply both use this.
func TestServingRevision(t *testing.T) {
	dep := func(api, rev string, at int64) *apigee.GoogleCloudApigeeV1Deployment {
		return &apigee.GoogleCloudApigeeV1Deployment{ApiProxy: api, Revision: rev, DeployStartTime: at}
	}
	for _, deps := range [][]*apigee.GoogleCloudApigeeV1Deployment{
		{dep("orders", "9", 100), dep("orders", "10", 200), dep("other", "1", 50)},
		{dep("other", "1", 50), dep("orders", "10", 200), dep("orders", "9", 100)},
		{dep("orders", "x", 300), dep("orders", "10", 100), dep("orders", "9", 100), dep("other", "1", 50)},
	} {
		got := serving(deps)
		if got["orders"] != 10 || got["other"] != 1 || len(got) != 2 {
			t.Errorf("serving %v", got)
		}
	}
}
