package apigee_test

import (
	"net/http"
	"net/url"
	"testing"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/internal/access"
)

// The conditions probe: conditional flows whose conditions compile/apigee
// writes (compile.PathCondition, compile.EqualsCondition) around the user
// text that reaches a condition literal, and requests that should and
// should not match each; every flow answers its name in X-Probe-Flow.
//
// What user text reaches a literal (compile/apigee/conditions.go):
//   - operation paths, in MatchesPath: the schema lets through anything but
//     white space, %, ? and # (schema/paths.go), and compile/apigee refuses
//     " and \ (validate.go); so *, non-ASCII letters and the URL
//     punctuation ( ) + , ; = : @ ! $ ' ~ reach it;
//   - the OIDC issuer, in `lingate.discovery.issuer = "<issuer>"`
//     (discovery.go): a #URL, anything but white space after the host, so
//     \, %, *, non-ASCII and even " reach it (a " would end the literal:
//     no probe can hold it, see docs/runtime.md);
//   - tier and node names (RouteRules, AM-Tier-<tier>, placement): #Name and
//     the node pattern, letters, digits, - and _ only: nothing to probe.
//
// compile/apigee assumes Apigee's condition grammar has no escape
// sequences: a backslash in a literal is itself. The conditions reference
// (cloud.google.com/apigee/docs/api-platform/reference/conditions-reference)
// shows literals only as "value" and documents no escape; where it is
// silent, each expectation below is what the compiled proxies need, and
// what the request simulator (internal/simulate, access.MatchesPath)
// assumes: a failure means lingate's model is wrong.

// condFlow is one conditional flow of the probe: GET requests on an
// operation path, or POST requests whose body equals a literal.
type condFlow struct {
	name string
	path string // an operation path as declared ({param} and all), or
	body string // the literal the request body must equal
}

// condFlows are the probe's flows, in order: Apigee runs the first whose
// condition holds, and "none" (unconditional) when none does.
var condFlows = []condFlow{
	{name: "root", path: "/"},
	{name: "cafe", path: "/café/{id}"},
	{name: "punct", path: "/a(b)/x+y,z;w=v:u@t!$'~"},
	{name: "star", path: "/files/*"}, // a * the user wrote: a wildcard in MatchesPath
	{name: "slash", path: "/slash/{x}"},
	{name: "backslash", body: `https://idp.example/t\x`},
	{name: "backslashes", body: `https://idp.example/a\\b`},
	{name: "percent", body: "https://idp.example/50%25/*"},
	{name: "unicode", body: "https://idp.example/équipe"},
}

// condCall is one request of the probe and the flow it must reach.
type condCall struct {
	wire   string // the path after the base path, as sent
	suffix string // proxy.pathsuffix as lingate reads it (wire, percent-decoded)
	body   string // POST with this body; GET when empty
	flow   string
}

var condCalls = []condCall{
	// The bare base path is the "/" operation, as /a/ is /a. The compiler
	// compares "/" for equality with "" and "/" rather than trusting
	// MatchesPath "/", which an Apigee community article
	// (community.apigee.com/articles/2774, Edge) says holds for "" and
	// not for "/"; these two calls confirm the equality reading.
	{wire: "", suffix: "", flow: "root"},
	{wire: "/", suffix: "/", flow: "root"},
	// compile/apigee writes non-ASCII paths as they are: it assumes
	// proxy.pathsuffix is percent-decoded. No document says so.
	{wire: "/caf%C3%A9/1", suffix: "/café/1", flow: "cafe"},
	{wire: "/cafe/1", suffix: "/cafe/1", flow: "none"},
	{wire: "/a(b)/x+y,z;w=v:u@t!$'~", suffix: "/a(b)/x+y,z;w=v:u@t!$'~", flow: "punct"},
	{wire: "/a(b)/x+y", suffix: "/a(b)/x+y", flow: "none"},
	// Conditions reference, MatchesPath: * matches one path element.
	{wire: "/files/*", suffix: "/files/*", flow: "star"},
	{wire: "/files/report", suffix: "/files/report", flow: "star"},
	{wire: "/files/a/b", suffix: "/files/a/b", flow: "none"},
	{wire: "/slash/x", suffix: "/slash/x", flow: "slash"},
	{wire: "/slash/x/", suffix: "/slash/x/", flow: "slash"},
	// Whether * matches an empty last element: the simulator says it does
	// (a compiled proxy's /slash flow would come first either way).
	{wire: "/slash/", suffix: "/slash/", flow: "slash"},
	// No escapes: a backslash is itself, so \x is two characters and \\ is
	// two backslashes.
	{wire: "/lit", suffix: "/lit", body: `https://idp.example/t\x`, flow: "backslash"},
	{wire: "/lit", suffix: "/lit", body: "https://idp.example/tx", flow: "none"},
	{wire: "/lit", suffix: "/lit", body: `https://idp.example/a\\b`, flow: "backslashes"},
	{wire: "/lit", suffix: "/lit", body: `https://idp.example/a\b`, flow: "none"},
	// = compares text: % and * in a literal are themselves.
	{wire: "/lit", suffix: "/lit", body: "https://idp.example/50%25/*", flow: "percent"},
	{wire: "/lit", suffix: "/lit", body: "https://idp.example/50%/x", flow: "none"},
	{wire: "/lit", suffix: "/lit", body: "https://idp.example/équipe", flow: "unicode"},
}

// condition is f's condition as compile/apigee writes it, with the method.
func (f condFlow) condition() string {
	if f.path != "" {
		return "(" + compile.PathCondition(f.path) + ") and (" + compile.EqualsCondition("request.verb", "GET") + ")"
	}
	return "(" + compile.EqualsCondition("request.verb", "POST") + ") and (" + compile.EqualsCondition("request.content", f.body) + ")"
}

// flowMarker is the AssignMessage a flow runs to name itself.
func flowMarker(name string) string { return "AM-Flow-" + name }

// conditionsProbe is the conditions probe called api.
func conditionsProbe(t testing.TB, api string) probeBundle {
	t.Helper()
	var flows []probeFlow
	for _, f := range condFlows {
		flows = append(flows, probeFlow{Name: f.name, Condition: f.condition(), Request: probeSteps{Steps: []probeStep{{Name: flowMarker(f.name)}}}})
	}
	flows = append(flows, probeFlow{Name: "none", Request: probeSteps{Steps: []probeStep{{Name: flowMarker("none")}}}})
	b := newProbeBundle(t, api, probeEndpoint{
		Flows:    flows,
		PostFlow: probePhase{Name: "PostFlow", Response: probeSteps{Steps: []probeStep{{Name: "AM-Echo"}}}},
		Routes:   noTarget,
	})
	for _, f := range flows {
		b.policy(t, flowMarker(f.Name), probeAssign{Name: flowMarker(f.Name), Variables: []probeVariable{{Name: "lingate_probe.flow", Value: f.Name}}})
	}
	b.policy(t, "AM-Echo", probeAssign{Name: "AM-Echo", Headers: []probeHeader{{Name: "X-Probe-Flow", Value: "{lingate_probe.flow}"}}, Ignore: true})
	return b
}

// TestContractConditionLiterals deploys the conditions probe and sends
// each call, on a real organization only (runtimeProbe).
func TestContractConditionLiterals(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	c.deployProbe(t, api, zipOf(t, conditionsProbe(t, api)))
	for _, call := range condCalls {
		method := http.MethodGet
		if call.body != "" {
			method = http.MethodPost
		}
		resp, body := probeCall(t, method, "https://"+host+"/"+api+call.wire, call.body, nil)
		if got := resp.Header.Get("X-Probe-Flow"); resp.StatusCode != http.StatusOK || got != call.flow {
			t.Errorf("%s %q %q: %d, flow %q, want 200 and flow %q (%s)", method, call.wire, call.body, resp.StatusCode, got, call.flow, body)
		}
	}
}

// TestConditionCallsAgreeWithTheSimulator requires each call's expected
// flow to be the first flow whose condition the simulator's model holds
// (access.MatchesPath, and = as text equality), and each wire path to
// read as its suffix and be sent as written, so the probe confirms
// exactly that model.
func TestConditionCallsAgreeWithTheSimulator(t *testing.T) {
	for _, call := range condCalls {
		// Go's client sends the path as written (EscapedPath).
		if u, err := url.Parse("https://h/p" + call.wire); err != nil || u.Path != "/p"+call.suffix || u.EscapedPath() != "/p"+call.wire {
			t.Errorf("%q does not read as %q, or is not sent as written", call.wire, call.suffix)
		}
		want := "none"
		for _, f := range condFlows {
			if modelHolds(f, call) {
				want = f.name
				break
			}
		}
		if want != call.flow {
			t.Errorf("%q %q: the simulator's model reaches %s, the probe expects %s", call.wire, call.body, want, call.flow)
		}
	}
}

// modelHolds is the simulator's reading of f's condition for call:
// the operation's pattern, with or without a trailing slash.
func modelHolds(f condFlow, call condCall) bool {
	if f.path == "" {
		return call.body != "" && call.body == f.body
	}
	return call.body == "" && access.MatchesOperationPath(access.PathPattern(f.path), call.suffix)
}
