// Package simulate runs one request through compiled Apigee proxy bundles,
// offline: it reads the bundle's XML as Apigee would (the ProxyEndpoint's
// flows, steps and conditions, the policies they run, the route rules and
// target endpoints) and evaluates the subset of Apigee's condition
// language and policies lingate generates. The JavaScript membership
// policy (JS-Groups) runs on a Go model of its script, checked against
// Node in the tests. Nothing here reads the policies' CUE: a wrong
// compiler gives a wrong answer, which is the point.
package simulate

import (
	"encoding/xml"
	"fmt"
	"path"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/simulate/jsgroups"
)

// Proxy is one parsed proxy bundle.
type Proxy struct {
	Name     string
	BasePath string
	// Operations are the API product's operation group, resource →
	// methods (nil: none), which VerifyAPIKey and OAuthV2 check the
	// request against.
	Operations map[string][]string
	endpoint   proxyEndpoint
	policies   map[string]policy
	targets    map[string]targetEndpoint
	script     *jsgroups.Data
	// conds caches parsed conditions by their text.
	conds map[string]cond
}

// Load parses a proxy bundle: its files with paths from the bundle root
// (apiproxy/...), as compile/apigee.Bundle returns them.
func Load(name string, files []artifact.File) (*Proxy, error) {
	p := &Proxy{Name: name, policies: map[string]policy{}, targets: map[string]targetEndpoint{}, conds: map[string]cond{}}
	for _, f := range files {
		if err := p.add(f); err != nil {
			return nil, fmt.Errorf("simulate proxy %s: %s: %w", name, f.Path, err)
		}
	}
	p.BasePath = p.endpoint.BasePath
	if p.BasePath == "" {
		return nil, fmt.Errorf("simulate proxy %s: no ProxyEndpoint with a base path", name)
	}
	if err := p.parseConditions(); err != nil {
		return nil, fmt.Errorf("simulate proxy %s: %w", name, err)
	}
	return p, nil
}

// add reads one file of the bundle.
func (p *Proxy) add(f artifact.File) error {
	dir, base := path.Split(f.Path)
	switch dir {
	case "apiproxy/proxies/":
		return xml.Unmarshal(f.Data, &p.endpoint)
	case "apiproxy/targets/":
		var te targetEndpoint
		if err := xml.Unmarshal(f.Data, &te); err != nil {
			return err
		}
		p.targets[te.Name] = te
	case "apiproxy/policies/":
		pol, err := parsePolicy(f.Data)
		if err != nil {
			return err
		}
		p.policies[strings.TrimSuffix(base, ".xml")] = pol
	case "apiproxy/resources/jsc/":
		d, err := jsgroups.Parse(f.Data)
		if err != nil {
			return err
		}
		p.script = &d
	}
	return nil
}

// proxyEndpoint is the part of a ProxyEndpoint the simulator runs.
type proxyEndpoint struct {
	PreFlow    phase       `xml:"PreFlow"`
	Flows      []flow      `xml:"Flows>Flow"`
	PostFlow   phase       `xml:"PostFlow"`
	BasePath   string      `xml:"HTTPProxyConnection>BasePath"`
	RouteRules []routeRule `xml:"RouteRule"`
	FaultRules []faultRule `xml:"FaultRules>FaultRule"`
	// DefaultRule is the DefaultFaultRule (nil when there is none).
	DefaultRule *faultRule `xml:"DefaultFaultRule"`
}

// faultRule is a FaultRule or the DefaultFaultRule.
type faultRule struct {
	Name          string `xml:"name,attr"`
	Steps         []step `xml:"Step"`
	Condition     string `xml:"Condition"`
	AlwaysEnforce bool   `xml:"AlwaysEnforce"`
}

type phase struct {
	Request []step `xml:"Request>Step"`
}

type flow struct {
	Name      string `xml:"name,attr"`
	Request   []step `xml:"Request>Step"`
	Condition string `xml:"Condition"`
}

type step struct {
	Name      string `xml:"Name"`
	Condition string `xml:"Condition"`
}

type routeRule struct {
	Condition      string `xml:"Condition"`
	TargetEndpoint string `xml:"TargetEndpoint"`
}

type targetEndpoint struct {
	Name   string `xml:"name,attr"`
	URL    string `xml:"HTTPTargetConnection>URL"`
	Server struct {
		Name string `xml:"name,attr"`
	} `xml:"HTTPTargetConnection>LoadBalancer>Server"`
}

// describe names where the target sends requests.
func (t targetEndpoint) describe() string {
	if t.Server.Name != "" {
		return "server " + t.Server.Name
	}
	return "url " + t.URL
}

// policy is any policy the compiler writes; Kind is its root element.
type policy struct {
	Kind string
	// AssignMessage
	Set        []header   `xml:"Set>Headers>Header"`
	Remove     []header   `xml:"Remove>Headers>Header"`
	Variables  []variable `xml:"AssignVariable"`
	SetPayload string     `xml:"Set>Payload"`
	SetStatus  string     `xml:"Set>StatusCode"`
	// RaiseFault
	FaultVariables []variable `xml:"FaultResponse>AssignVariable"`
	Status         int        `xml:"FaultResponse>Set>StatusCode"`
	Reason         string     `xml:"FaultResponse>Set>ReasonPhrase"`
	Payload        string     `xml:"FaultResponse>Set>Payload"`
	FaultHeaders   []header   `xml:"FaultResponse>Set>Headers>Header"`
	// Quota
	Allow struct {
		Count    int    `xml:"count,attr"`
		CountRef string `xml:"countRef,attr"`
	} `xml:"Allow"`
	TimeUnit   refValue `xml:"TimeUnit"`
	Identifier refValue `xml:"Identifier"`
	// SpikeArrest
	Rate refValue `xml:"Rate"`
	// VerifyAPIKey
	APIKey refValue `xml:"APIKey"`
	// OAuthV2
	Operation string `xml:"Operation"`
	// KeyValueMapOperations: the map and the variable a Get fills.
	KVMap  string `xml:"mapIdentifier,attr"`
	KVMGet struct {
		AssignTo string `xml:"assignTo,attr"`
	} `xml:"Get"`
	// ServiceCallout: the request it sends.
	CalloutURL   string   `xml:"HTTPTargetConnection>URL"`
	CalloutVerb  string   `xml:"Request>Set>Verb"`
	CalloutQuery []header `xml:"Request>Set>QueryParams>QueryParam"`
}

type header struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

type variable struct {
	Name     string `xml:"Name"`
	Ref      string `xml:"Ref"`
	Value    string `xml:"Value"`
	Template string `xml:"Template"`
}

type refValue struct {
	Ref   string `xml:"ref,attr"`
	Value string `xml:",chardata"`
}

// parsePolicy reads a policy file and its kind.
func parsePolicy(data []byte) (policy, error) {
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(data, &root); err != nil {
		return policy{}, err
	}
	var p policy
	if err := xml.Unmarshal(data, &p); err != nil {
		return policy{}, err
	}
	p.Kind = root.XMLName.Local
	return p, nil
}
