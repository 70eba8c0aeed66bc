package apigee_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"testing"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/internal/apigeelint"
	"github.com/lingate/lingate/schema"
)

// The runtime probes are proxies of their own that hold one piece of a
// compiled bundle each (built by compile/apigee's own code) and answer
// what Apigee made of it, so the first run against a real organization
// confirms what docs/runtime.md could only take from documents
// (runtime_contract_test.go). This file builds them; every probe is
// linted and imported offline (TestProbeBundles), so a probe that could
// not deploy fails here, not on the first real run.

// probeBundle is a probe proxy: its files by bundle path.
type probeBundle = files

// Probe XML documents, written with encoding/xml.

type probeProxy struct {
	XMLName     xml.Name `xml:"APIProxy"`
	Name        string   `xml:"name,attr"`
	DisplayName string   `xml:"DisplayName"`
	Description string   `xml:"Description"`
}

type probeStep struct {
	Name      string `xml:"Name"`
	Condition string `xml:"Condition,omitempty"`
}

type probeSteps struct {
	Steps []probeStep `xml:"Step"`
}

type probePhase struct {
	Name     string     `xml:"name,attr"`
	Request  probeSteps `xml:"Request"`
	Response probeSteps `xml:"Response"`
}

type probeFlow struct {
	Name      string     `xml:"name,attr"`
	Request   probeSteps `xml:"Request"`
	Response  probeSteps `xml:"Response"`
	Condition string     `xml:"Condition,omitempty"`
}

type probeFaultRule struct {
	Name          string      `xml:"name,attr"`
	Steps         []probeStep `xml:"Step"`
	AlwaysEnforce bool        `xml:"AlwaysEnforce,omitempty"`
	Condition     string      `xml:"Condition,omitempty"`
}

type probeFaultRules struct {
	Rules []probeFaultRule `xml:"FaultRule"`
}

type probeRoute struct {
	Name           string `xml:"name,attr"`
	TargetEndpoint string `xml:"TargetEndpoint,omitempty"`
}

type probeEndpoint struct {
	XMLName     xml.Name         `xml:"ProxyEndpoint"`
	Name        string           `xml:"name,attr"`
	FaultRules  *probeFaultRules `xml:"FaultRules"`
	DefaultRule *probeFaultRule  `xml:"DefaultFaultRule"`
	PreFlow     probePhase       `xml:"PreFlow"`
	Flows       []probeFlow      `xml:"Flows>Flow"`
	PostFlow    probePhase       `xml:"PostFlow"`
	BasePath    string           `xml:"HTTPProxyConnection>BasePath"`
	Routes      []probeRoute     `xml:"RouteRule"`
}

type probeHeader struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

type probeVariable struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value,omitempty"`
	Ref   string `xml:"Ref,omitempty"`
}

// probeAssign is an AssignMessage: variables to assign, headers to set on
// the message the flow works on.
type probeAssign struct {
	XMLName   xml.Name        `xml:"AssignMessage"`
	Name      string          `xml:"name,attr"`
	Variables []probeVariable `xml:"AssignVariable"`
	Headers   []probeHeader   `xml:"Set>Headers>Header"`
	Ignore    bool            `xml:"IgnoreUnresolvedVariables"`
}

type probeScript struct {
	XMLName     xml.Name `xml:"Javascript"`
	Name        string   `xml:"name,attr"`
	TimeLimit   int      `xml:"timeLimit,attr"`
	ResourceURL string   `xml:"ResourceURL"`
}

// render adds doc to b at path, as an indented XML document.
func (b probeBundle) render(t testing.TB, path string, doc any) {
	t.Helper()
	data, err := compile.RenderXML(doc)
	if err != nil {
		t.Fatalf("probe %s: %v", path, err)
	}
	b[path] = string(data)
}

// policy adds a policy document named name.
func (b probeBundle) policy(t testing.TB, name string, doc any) {
	t.Helper()
	b.render(t, "apiproxy/policies/"+name+".xml", doc)
}

// newProbeBundle starts a probe proxy called api on basepath /api, with
// endpoint as its ProxyEndpoint.
func newProbeBundle(t testing.TB, api string, endpoint probeEndpoint) probeBundle {
	t.Helper()
	b := probeBundle{}
	b.render(t, "apiproxy/"+api+".xml", probeProxy{Name: api, DisplayName: api, Description: "lingate runtime probe"})
	endpoint.Name, endpoint.BasePath = "default", "/"+api
	endpoint.PreFlow.Name, endpoint.PostFlow.Name = "PreFlow", "PostFlow"
	b.render(t, "apiproxy/proxies/default.xml", endpoint)
	return b
}

// noTarget is the RouteRule of a probe that answers itself.
var noTarget = []probeRoute{{Name: "noroute"}}

// scriptData is JavaScript declaring each value as a var, in JSON (which
// escapes anything that could end a string or the script).
func scriptData(t testing.TB, vars ...any) string {
	t.Helper()
	var s string
	for i := 0; i+1 < len(vars); i += 2 {
		data, err := json.Marshal(vars[i+1])
		if err != nil {
			t.Fatal(err)
		}
		s += fmt.Sprintf("var %s = %s;\n", vars[i], data)
	}
	return s
}

// probeBundles are every probe, as the runtime tests build them (for
// host, the hostname the probes call each other on).
func probeBundles(t *testing.T, host string) map[string]probeBundle {
	bs := map[string]probeBundle{
		"lingate-acc-groups":         groupsProbe(t, "lingate-acc-groups", "0123456789abcdef0123456789abcdef"),
		"lingate-acc-conditions":     conditionsProbe(t, "lingate-acc-conditions"),
		"lingate-acc-faults":         faultsProbe(t, "lingate-acc-faults", host, "lingate-acc-faults-backend"),
		"lingate-acc-faults-backend": backendProbe(t, "lingate-acc-faults-backend"),
	}
	auths := map[string]schema.Auth{"lingate-acc-outage": outageAuth}
	for _, ap := range authProbes {
		auths["lingate-acc-errors-"+ap.kind] = ap.auth
	}
	for api, auth := range auths {
		bs[api], _ = compiledProbe(t, probeConfig("o", "e", api, auth), api)
	}
	bs["lingate-acc-callout"], _ = calloutProbe(t, "lingate-acc-callout")
	bs["lingate-acc-idp"] = idpProbe(t, "lingate-acc-idp", host, `{"keys":[]}`)
	bs["lingate-acc-oidc"], _ = compiledProbe(t, oidcConfig("o", "e", "lingate-acc-oidc", host, "lingate-acc-idp", "lingate-acc-faults-backend"), "lingate-acc-oidc")
	bs["lingate-acc-resources"], _ = compiledProbe(t, resourceConfig("o", "e", "lingate-acc-resources", host, "lingate-acc-faults-backend"), "lingate-acc-resources")
	return bs
}

// TestProbeBundles holds every probe to what can be checked offline:
// apigeelint finds nothing, and the import (?action=validate) accepts it,
// on the emulator (or, with LINGATE_ACC_APIGEE_*, the real organization).
func TestProbeBundles(t *testing.T) {
	c := newContractTarget(t)
	for api, b := range probeBundles(t, "probes.example") {
		t.Run(api, func(t *testing.T) {
			t.Parallel()
			bundle := make(map[string][]byte, len(b))
			for path, data := range b {
				bundle[path] = []byte(data)
			}
			apigeelint.AssertClean(t, api, bundle)
			if code, body := c.importBundle(t, "validate", api, zipOf(t, b)); code != http.StatusOK {
				t.Errorf("validate %s: %d %s", api, code, body)
			}
		})
	}
}

// TestGroupsProbeHoldsTheCompiledCheck requires the groups probe to hold
// the membership check exactly as a compiled bundle of an oidc product
// granted to the same roles holds it.
func TestGroupsProbeHoldsTheCompiledCheck(t *testing.T) {
	cfg := &schema.Config{
		Environments: map[string]*schema.Environment{"acc": {Name: "acc", Apigee: schema.ApigeeTarget{Organization: "o", Environment: "e"}}},
		Tiers:        map[string]*schema.Tier{"std": {Name: "std"}},
		Products: map[string]*schema.Product{"groups": {Name: "groups", DisplayName: "groups", BasePath: "/groups", Environments: []string{"acc"},
			Target: &schema.Target{URL: "https://example.com"}, Auth: probeAuth, Tier: "std", Approval: "auto"}},
		Roles: map[string]*schema.Role{},
	}
	for _, r := range probeRoles {
		role := *r
		role.Grants, role.Tier = map[string]*schema.Grant{"groups": {}}, "std"
		cfg.Roles[r.Name] = &role
	}
	files, _, err := compile.Bundle(cfg, "acc", "groups")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	probe := groupsProbe(t, "lingate-acc-groups", "secret")
	n := 0
	for _, f := range files {
		if f.Path != "apiproxy/policies/JS-Groups.xml" && f.Path != "apiproxy/resources/jsc/lingate-groups.js" {
			continue
		}
		n++
		if probe[f.Path] != string(f.Data) {
			t.Errorf("%s differs from the compiled bundle's:\n%s\nwant:\n%s", f.Path, probe[f.Path], f.Data)
		}
	}
	if n != 2 {
		t.Errorf("the compiled bundle holds %d of the two membership files", n)
	}
}
