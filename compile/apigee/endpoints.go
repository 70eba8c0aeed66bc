package apigee

import (
	"encoding/xml"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// step runs one policy, when its condition holds.
type step struct {
	Name      string `xml:"Name"`
	Condition string `xml:"Condition,omitempty"`
}

// stepList is the Request or Response part of a flow.
type stepList struct {
	Steps []step `xml:"Step"`
}

// flowPhase is a PreFlow or PostFlow.
type flowPhase struct {
	Name     string   `xml:"name,attr"`
	Request  stepList `xml:"Request"`
	Response stepList `xml:"Response"`
}

// flow is a conditional flow; the last one of an endpoint has no condition.
type flow struct {
	Name      string   `xml:"name,attr"`
	Request   stepList `xml:"Request"`
	Response  stepList `xml:"Response"`
	Condition string   `xml:"Condition,omitempty"`
}

// routeRule picks a TargetEndpoint; the unconditional one comes last.
type routeRule struct {
	Name           string `xml:"name,attr"`
	Condition      string `xml:"Condition,omitempty"`
	TargetEndpoint string `xml:"TargetEndpoint"`
}

// proxyEndpoint is apiproxy/proxies/default.xml.
type proxyEndpoint struct {
	XMLName     xml.Name    `xml:"ProxyEndpoint"`
	Name        string      `xml:"name,attr"`
	Description string      `xml:"Description,omitempty"`
	FaultRules  []faultRule `xml:"FaultRules>FaultRule"`
	DefaultRule *faultRule  `xml:"DefaultFaultRule"`
	PreFlow     flowPhase   `xml:"PreFlow"`
	Flows       []flow      `xml:"Flows>Flow"`
	PostFlow    flowPhase   `xml:"PostFlow"`
	BasePath    string      `xml:"HTTPProxyConnection>BasePath"`
	RouteRules  []routeRule `xml:"RouteRule"`
}

// targetEndpoint is one file of apiproxy/targets/.
type targetEndpoint struct {
	XMLName     xml.Name             `xml:"TargetEndpoint"`
	Name        string               `xml:"name,attr"`
	Description string               `xml:"Description,omitempty"`
	DefaultRule *faultRule           `xml:"DefaultFaultRule"`
	Connection  httpTargetConnection `xml:"HTTPTargetConnection"`
}

// httpTargetConnection holds exactly one of URL and LoadBalancer.
type httpTargetConnection struct {
	// LintURL suppresses apigeelint's TD002 ("prefer a TargetServer") on
	// the URL below: the policies chose a URL on purpose. LintSSL
	// suppresses TD007 ("use a TrustStore"): the policies name none.
	LintURL      xml.Comment   `xml:",comment"`
	URL          string        `xml:"URL,omitempty"`
	LoadBalancer *loadBalancer `xml:"LoadBalancer"`
	LintSSL      xml.Comment   `xml:",comment"`
	SSLInfo      *sslInfo      `xml:"SSLInfo"`
}

// sslInfo is the TLS of a target URL: enabled, and the server's
// certificate checked (Enforce) against Apigee's default trust, since the
// policies name no trust store.
type sslInfo struct {
	Enabled bool `xml:"Enabled"`
	Enforce bool `xml:"Enforce"`
}

// loadBalancer names one TargetServer.
type loadBalancer struct {
	Server struct {
		Name string `xml:"name,attr"`
	} `xml:"Server"`
}

// apiProxy is the bundle's base configuration, apiproxy/<name>.xml.
type apiProxy struct {
	XMLName         xml.Name      `xml:"APIProxy"`
	Name            string        `xml:"name,attr"`
	DisplayName     string        `xml:"DisplayName"`
	Description     string        `xml:"Description"`
	Basepaths       string        `xml:"Basepaths"`
	Version         configVersion `xml:"ConfigurationVersion"`
	Policies        []string      `xml:"Policies>Policy"`
	ProxyEndpoints  []string      `xml:"ProxyEndpoints>ProxyEndpoint"`
	TargetEndpoints []string      `xml:"TargetEndpoints>TargetEndpoint"`
	Resources       []string      `xml:"Resources>Resource,omitempty"`
}

// configVersion is the only configuration version Apigee knows, 4.0.
type configVersion struct {
	Major int `xml:"majorVersion,attr"`
	Minor int `xml:"minorVersion,attr"`
}

// Directives for apigeelint: a deliberate target URL, and TLS to it
// without a trust store of the policies' own.
const (
	suppressTD002 = " apigeelint disable=TD002 "
	suppressTD007 = " apigeelint disable=TD007 "
)

// newTarget is the TargetEndpoint called name that sends requests to t.
func newTarget(name string, t *schema.Target) targetEndpoint {
	te := targetEndpoint{Name: name}
	if t.Server != "" {
		te.Description = "TargetServer " + t.Server
		te.Connection.LoadBalancer = &loadBalancer{}
		te.Connection.LoadBalancer.Server.Name = t.Server
		return te
	}
	te.Description = "Backend " + t.URL
	te.Connection.LintURL = xml.Comment(suppressTD002)
	te.Connection.URL = t.URL
	if strings.HasPrefix(t.URL, "https://") {
		te.Connection.LintSSL = xml.Comment(suppressTD007)
		te.Connection.SSLInfo = &sslInfo{Enabled: true, Enforce: true}
	}
	return te
}

// targets returns the product's TargetEndpoints and the RouteRules that
// choose among them: one per targets.<tier>, conditional on the caller's
// tier, then the unconditional default.
func targets(p *schema.Product) ([]targetEndpoint, []routeRule) {
	var tes []targetEndpoint
	var rules []routeRule
	for _, tier := range schema.Names(p.Targets) {
		name := tierTargetName(tier)
		tes = append(tes, newTarget(name, p.Targets[tier]))
		rules = append(rules, routeRule{Name: name, Condition: equals(varTier, tier), TargetEndpoint: name})
	}
	fallback := tierTargetName(p.Tier)
	if p.Target != nil {
		fallback = defaultTargetName
		tes = append(tes, newTarget(defaultTargetName, p.Target))
	}
	rules = append(rules, routeRule{Name: "default", TargetEndpoint: fallback})
	return tes, rules
}

// baseConfig is the bundle's APIProxy file content.
func baseConfig(p *schema.Product, policies []string, tes []targetEndpoint) apiProxy {
	names := make([]string, len(tes))
	for i, te := range tes {
		names[i] = te.Name
	}
	slices.Sort(names)
	return apiProxy{
		Name:            p.Name,
		DisplayName:     p.DisplayName,
		Description:     describe(p),
		Basepaths:       p.BasePath,
		Version:         configVersion{Major: 4, Minor: 0},
		Policies:        slices.Sorted(slices.Values(policies)),
		ProxyEndpoints:  []string{proxyEndpointName},
		TargetEndpoints: names,
	}
}

// ManagedDescription starts the description of every proxy lingate
// compiles, so a revision read back from Apigee shows who owns it.
const ManagedDescription = "Managed by lingate."

// describe is the proxy's description: the ownership marker, then the
// product's own description.
func describe(p *schema.Product) string {
	if p.Description == "" {
		return ManagedDescription
	}
	return ManagedDescription + " " + p.Description
}
