package simulate_test

import (
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/simulate"
)

const endpoint = `<ProxyEndpoint name="default">
  <PreFlow name="PreFlow"><Request>
    <Step><Name>AM-Mark</Name><Condition>request.verb = "GET"</Condition></Step>
    <Step><Name>RF-Deny</Name><Condition>COND</Condition></Step>
  </Request></PreFlow>
  <HTTPProxyConnection><BasePath>/b</BasePath></HTTPProxyConnection>
  <RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>
</ProxyEndpoint>`

// bundle is a small hand-written bundle whose RF-Deny runs when cond holds.
func bundle(cond string, policies ...string) []artifact.File {
	files := []artifact.File{{Path: "apiproxy/proxies/default.xml", Data: []byte(strings.Replace(endpoint, "COND", cond, 1))}}
	for _, p := range policies {
		name := p[strings.Index(p, `name="`)+6:]
		name = name[:strings.Index(name, `"`)]
		files = append(files, artifact.File{Path: "apiproxy/policies/" + name + ".xml", Data: []byte(p)})
	}
	return files
}

const (
	mark = `<AssignMessage name="AM-Mark"><AssignVariable><Name>x</Name><Value>1</Value></AssignVariable></AssignMessage>`
	deny = `<RaiseFault name="RF-Deny"><FaultResponse><Set><Payload contentType="application/json">{"error":"no","message":"denied"}</Payload><StatusCode>418</StatusCode><ReasonPhrase>No</ReasonPhrase></Set></FaultResponse></RaiseFault>`
)

// TestConditions evaluates the condition forms the compiler writes.
func TestConditions(t *testing.T) {
	for cond, denied := range map[string]bool{
		`x = "1"`:                   true,
		`x != "1"`:                  false,
		`x = null`:                  false,
		`y = null`:                  true,
		`y != "1"`:                  true,
		`not (x = "1")`:             false,
		`(x = "1") and (y != null)`: false,
		`(x = "2") or (proxy.pathsuffix MatchesPath "/a/*")`: true,
		`proxy.pathsuffix MatchesPath "/a"`:                  false,
		`proxy.pathsuffix MatchesPath "/**"`:                 true,
		`request.verb ~~ "^(GET|HEAD)$"`:                     true,
	} {
		p, err := simulate.Load("t", bundle(cond, mark, deny))
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		res := p.Run(simulate.Request{Method: "GET", Path: "/b/a/1"})
		if got := res.Status == 418; got != denied || got && res.Error != "no: denied" {
			t.Errorf("%s: %+v, want denied %v", cond, res, denied)
		}
	}
}

// TestBundlesItCannotRun are refused at load or answered 500, never
// guessed at.
func TestBundlesItCannotRun(t *testing.T) {
	if _, err := simulate.Load("t", bundle(`x == "1"`, mark, deny)); err == nil || !strings.Contains(err.Error(), "condition") {
		t.Errorf("an operator lingate does not write: %v", err)
	}
	p, err := simulate.Load("t", bundle(`x = "1"`, deny))
	if err != nil {
		t.Fatal(err)
	}
	if res := p.Run(simulate.Request{Method: "GET", Path: "/b"}); res.Status != 500 || res.RefusedBy != "AM-Mark" {
		t.Errorf("a step without its policy: %+v", res)
	}
	p, _ = simulate.Load("t", bundle(`x = "1"`, `<MessageLogging name="AM-Mark"/>`, deny))
	if res := p.Run(simulate.Request{Method: "GET", Path: "/b"}); res.Status != 500 || !strings.Contains(res.Error, "no model") {
		t.Errorf("a policy type it does not model: %+v", res)
	}
}

// TestHeaderVariablesIgnoreCase: Apigee reads request.header.NAME without
// regard to the name's case, in conditions and in AssignMessage refs (a
// placement key taken from "X-Customer" while the caller sent x-customer).
func TestHeaderVariablesIgnoreCase(t *testing.T) {
	copyKey := `<AssignMessage name="AM-Mark"><AssignVariable><Name>x</Name><Ref>request.header.X-Customer</Ref></AssignVariable></AssignMessage>`
	for cond, denied := range map[string]bool{
		`x = "acct-1"`:                         true,
		`request.header.X-CUSTOMER = "acct-1"`: true,
		`request.header.x-customer = null`:     false,
	} {
		p, err := simulate.Load("t", bundle(cond, copyKey, deny))
		if err != nil {
			t.Fatalf("%s: %v", cond, err)
		}
		res := p.Run(simulate.Request{Method: "GET", Path: "/b/a", Headers: map[string]string{"x-customer": "acct-1"}})
		if got := res.Status == 418; got != denied {
			t.Errorf("%s: %+v, want denied %v", cond, res, denied)
		}
	}
}
