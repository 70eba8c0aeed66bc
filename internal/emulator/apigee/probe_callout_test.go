package apigee_test

import (
	"encoding/xml"
	"net/http"
	"testing"
)

// The callout probe: lingate's own discovery ServiceCallout
// (SC-OIDCDiscovery, taken from the compiled outage probe: its
// continueOnError, verified TLS, timeout, and an issuer that cannot
// resolve), then steps that answer what the callout left in its response
// variable. docs/runtime.md takes from the policy attributes reference
// ("continueOnError: set to true to have flow execution continue even
// after a policy fails") that the flow goes on, and assumes the response
// variable's status code is then unset; the compiled proxy needs only
// that it is not 200 (TestContractDiscoveryOutage).

const (
	headerCalloutStatus = "X-Probe-Status" // the response's status code, "" when unset
	headerCalloutUnset  = "X-Probe-Unset"  // "true" when `status.code = null` holds
	calloutPolicy       = "SC-OIDCDiscovery"
)

// calloutProbe is the callout probe called api, and the callout's
// response variable.
func calloutProbe(t testing.TB, api string) (probeBundle, string) {
	t.Helper()
	compiled, _ := compiledProbe(t, probeConfig("o", "e", api, outageAuth), api)
	path := "apiproxy/policies/" + calloutPolicy + ".xml"
	var sc struct {
		Response string `xml:"Response"`
	}
	if err := xml.Unmarshal([]byte(compiled[path]), &sc); err != nil || sc.Response == "" {
		t.Fatalf("the compiled %s names no response variable (%v)", calloutPolicy, err)
	}
	status := sc.Response + ".status.code"
	b := newProbeBundle(t, api, probeEndpoint{
		PreFlow: probePhase{Request: probeSteps{Steps: []probeStep{{Name: calloutPolicy}}}},
		PostFlow: probePhase{Response: probeSteps{Steps: []probeStep{
			{Name: "AM-CalloutStatus"}, {Name: "AM-CalloutUnset", Condition: status + " = null"}}}},
		Routes: noTarget,
	})
	b[path] = compiled[path]
	b.policy(t, "AM-CalloutStatus", headerPolicy("AM-CalloutStatus", headerCalloutStatus, "{"+status+"}"))
	b.policy(t, "AM-CalloutUnset", headerPolicy("AM-CalloutUnset", headerCalloutUnset, "true"))
	return b, sc.Response
}

// TestContractCalloutUnreachable deploys the callout probe and calls it,
// on a real organization only (runtimeProbe).
func TestContractCalloutUnreachable(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	b, response := calloutProbe(t, api)
	c.deployProbe(t, api, zipOf(t, b))
	resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 (continueOnError): %s", resp.StatusCode, body)
	}
	if got, unset := resp.Header.Get(headerCalloutStatus), resp.Header.Get(headerCalloutUnset); got != "" || unset != "true" {
		t.Errorf("%s.status.code is %q (unset test %q), want unset", response, got, unset)
	}
}
