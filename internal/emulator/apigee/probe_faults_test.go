package apigee_test

import (
	"encoding/xml"
	"net/http"
	"testing"

	compile "github.com/lingate/lingate/compile/apigee"
)

// The faults probe: two proxies. The backend (<api>-backend) answers
// every request 502 with a RaiseFault. The front (<api>) raises a fault
// itself on /raise and sends everything else to the backend; its
// FaultRules and DefaultFaultRules, written with the conditions
// compile/apigee writes (fault.name = "RaiseFault", "ErrorResponseCode"),
// answer which rule ran and what fault.name held, in X-Probe-* headers.
// It confirms what lingate's fault handling (compile/apigee/faults.go,
// docs/runtime.md, Errors) takes from Apigee's fault-handling page:
//   - a RaiseFault sets fault.name to "RaiseFault", and a backend error
//     status sets it to "ErrorResponseCode" (the RaiseFault anti-pattern
//     page's note on API Monitoring could be read as the policy's own
//     name; compiled proxies no longer depend on it: their RaiseFaults set
//     lingate.error, which keeps AM-Error-Internal off their 403, 404 and
//     405, and only "ErrorResponseCode" is still relied on);
//   - a fault in the TargetEndpoint runs the TargetEndpoint's
//     DefaultFaultRule, and the ProxyEndpoint's FaultRules see it too;
//   - DefaultFaultRules with AlwaysEnforce run after a matching FaultRule.

// faultHeaders are what the front answers: the ProxyEndpoint FaultRule
// that ran, fault.name in the ProxyEndpoint's DefaultFaultRule, and in the
// TargetEndpoint's.
const (
	headerRule        = "X-Probe-Rule"
	headerFaultName   = "X-Probe-Fault-Name"
	headerTargetFault = "X-Probe-Target-Fault"
)

// faultCall is one request of the faults probe and what must answer it.
type faultCall struct {
	path        string
	status      int
	rule        string // the ProxyEndpoint FaultRule that ran
	faultName   string // fault.name in the ProxyEndpoint's DefaultFaultRule
	targetFault string // fault.name in the TargetEndpoint's; "" when it never ran
}

var faultCalls = []faultCall{
	{path: "/raise", status: 418, rule: "raise", faultName: "RaiseFault"},
	{path: "/backend", status: 502, rule: "backend", faultName: "ErrorResponseCode", targetFault: "ErrorResponseCode"},
}

type probeRaiseFault struct {
	XMLName xml.Name `xml:"RaiseFault"`
	Name    string   `xml:"name,attr"`
	Payload struct {
		ContentType string `xml:"contentType,attr"`
		Body        string `xml:",chardata"`
	} `xml:"FaultResponse>Set>Payload"`
	StatusCode   int    `xml:"FaultResponse>Set>StatusCode"`
	ReasonPhrase string `xml:"FaultResponse>Set>ReasonPhrase"`
	Ignore       bool   `xml:"IgnoreUnresolvedVariables"`
}

func raiseFault(name string, status int, reason string) probeRaiseFault {
	rf := probeRaiseFault{Name: name, StatusCode: status, ReasonPhrase: reason, Ignore: true}
	rf.Payload.ContentType, rf.Payload.Body = "text/plain", reason
	return rf
}

type probeTarget struct {
	XMLName     xml.Name        `xml:"TargetEndpoint"`
	Name        string          `xml:"name,attr"`
	DefaultRule *probeFaultRule `xml:"DefaultFaultRule"`
	Connection  struct {
		LintURL xml.Comment `xml:",comment"`
		URL     string      `xml:"URL"`
		LintSSL xml.Comment `xml:",comment"`
		SSLInfo struct {
			Enabled bool `xml:"Enabled"`
			Enforce bool `xml:"Enforce"`
		} `xml:"SSLInfo"`
	} `xml:"HTTPTargetConnection"`
}

// headerPolicy is an AssignMessage that sets one header.
func headerPolicy(name, header, value string) probeAssign {
	return probeAssign{Name: name, Headers: []probeHeader{{Name: header, Value: value}}, Ignore: true}
}

// backendProbe is the faults probe's backend, called api.
func backendProbe(t testing.TB, api string) probeBundle {
	t.Helper()
	b := newProbeBundle(t, api, probeEndpoint{
		PreFlow: probePhase{Request: probeSteps{Steps: []probeStep{{Name: "RF-Backend"}}}},
		Routes:  noTarget,
	})
	b.policy(t, "RF-Backend", raiseFault("RF-Backend", 502, "Bad Gateway"))
	return b
}

// faultsProbe is the faults probe's front, called api, whose backend is
// https://<host>/<backend>.
func faultsProbe(t testing.TB, api, host, backend string) probeBundle {
	t.Helper()
	b := newProbeBundle(t, api, probeEndpoint{
		FaultRules: &probeFaultRules{Rules: []probeFaultRule{
			{Name: "raise", Steps: []probeStep{{Name: "AM-Rule-raise"}}, Condition: compile.EqualsCondition("fault.name", "RaiseFault")},
			{Name: "backend", Steps: []probeStep{{Name: "AM-Rule-backend"}}, Condition: compile.EqualsCondition("fault.name", "ErrorResponseCode")},
		}},
		DefaultRule: &probeFaultRule{Name: "default", AlwaysEnforce: true, Steps: []probeStep{{Name: "AM-FaultName"}}},
		Flows: []probeFlow{{Name: "raise", Condition: compile.PathCondition("/raise"),
			Request: probeSteps{Steps: []probeStep{{Name: "RF-Probe"}}}}},
		Routes: []probeRoute{{Name: "default", TargetEndpoint: "default"}},
	})
	te := probeTarget{Name: "default", DefaultRule: &probeFaultRule{Name: "default", AlwaysEnforce: true, Steps: []probeStep{{Name: "AM-TargetFault"}}}}
	te.Connection.LintURL, te.Connection.URL = xml.Comment(" apigeelint disable=TD002 "), "https://"+host+"/"+backend
	te.Connection.LintSSL, te.Connection.SSLInfo.Enabled, te.Connection.SSLInfo.Enforce = xml.Comment(" apigeelint disable=TD007 "), true, true
	b.render(t, "apiproxy/targets/default.xml", te)
	b.policy(t, "RF-Probe", raiseFault("RF-Probe", 418, "I'm a teapot"))
	for _, rule := range []string{"raise", "backend"} {
		b.policy(t, "AM-Rule-"+rule, headerPolicy("AM-Rule-"+rule, headerRule, rule))
	}
	b.policy(t, "AM-FaultName", headerPolicy("AM-FaultName", headerFaultName, "{fault.name}"))
	b.policy(t, "AM-TargetFault", headerPolicy("AM-TargetFault", headerTargetFault, "{fault.name}"))
	return b
}

// TestContractFaultNames deploys the faults probe and sends each call, on
// a real organization only (runtimeProbe). The target URL must be one
// Apigee's default trust accepts: LINGATE_ACC_APIGEE_HOST's certificate.
func TestContractFaultNames(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	backend := api + "-backend"
	c.deployProbe(t, backend, zipOf(t, backendProbe(t, backend)))
	c.deployProbe(t, api, zipOf(t, faultsProbe(t, api, host, backend)))
	for _, call := range faultCalls {
		resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api+call.path, "", nil)
		got := faultCall{call.path, resp.StatusCode, resp.Header.Get(headerRule), resp.Header.Get(headerFaultName), resp.Header.Get(headerTargetFault)}
		if got != call {
			t.Errorf("%s: got %+v, want %+v (%s)", call.path, got, call, body)
		}
	}
}
