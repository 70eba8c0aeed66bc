package apigee

import "encoding/xml"

// OIDC discovery: when a product names no jwksUri, the proxy reads the
// issuer's discovery document once an hour and keeps its jwks_uri in the
// cache: LookupCache, and on a miss ServiceCallout, ExtractVariables and
// PopulateCache.

// cacheKey identifies a cache entry: the key set URI of one issuer, or a
// placement answer.
type cacheKey struct {
	Prefix    string        `xml:"Prefix"`
	Fragments []keyFragment `xml:"KeyFragment"`
}

// keyFragment is a literal part of a cache key, or a flow variable (Ref).
type keyFragment struct {
	Ref   string `xml:"ref,attr,omitempty"`
	Value string `xml:",chardata"`
}

// lookupCache reads the cached key set URI into lingate.jwks_uri.
type lookupCache struct {
	XMLName  xml.Name `xml:"LookupCache"`
	Name     string   `xml:"name,attr"`
	CacheKey cacheKey `xml:"CacheKey"`
	Scope    string   `xml:"Scope"`
	AssignTo string   `xml:"AssignTo"`
}

// populateCache stores lingate.jwks_uri after a discovery call.
type populateCache struct {
	XMLName  xml.Name `xml:"PopulateCache"`
	Name     string   `xml:"name,attr"`
	CacheKey cacheKey `xml:"CacheKey"`
	Scope    string   `xml:"Scope"`
	Timeout  int      `xml:"ExpirySettings>TimeoutInSeconds"`
	Source   string   `xml:"Source"`
}

// serviceCallout fetches the discovery document.
type serviceCallout struct {
	XMLName xml.Name `xml:"ServiceCallout"`
	Name    string   `xml:"name,attr"`
	Request struct {
		Variable string `xml:"variable,attr"`
		Verb     string `xml:"Set>Verb"`
	} `xml:"Request"`
	Response string `xml:"Response"`
	URL      string `xml:"HTTPTargetConnection>URL"`
}

// extractVariables reads jwks_uri from the discovery document.
type extractVariables struct {
	XMLName  xml.Name `xml:"ExtractVariables"`
	Name     string   `xml:"name,attr"`
	Source   string   `xml:"Source"`
	Prefix   string   `xml:"VariablePrefix"`
	Variable struct {
		Name     string `xml:"name,attr"`
		JSONPath string `xml:"JSONPath"`
	} `xml:"JSONPayload>Variable"`
	IgnoreUnresolvedVariables bool `xml:"IgnoreUnresolvedVariables"`
}

const (
	discoveryRequest  = "oidcDiscoveryRequest"
	discoveryResponse = "oidcDiscoveryResponse"
	discoveryTTL      = 3600 // seconds a discovered key set URI is kept
)

// discovery returns the policies and steps that leave the issuer's key set
// URI in lingate.jwks_uri.
func discovery(issuer string) ([]policyFile, []step) {
	key := cacheKey{Prefix: "lingate-jwks-uri", Fragments: []keyFragment{{Value: issuer}}}
	lookup := lookupCache{Name: policyLookupJWKS, CacheKey: key, Scope: "Exclusive", AssignTo: varJWKSURI}
	populate := populateCache{Name: policyPopulateJWKS, CacheKey: key, Scope: "Exclusive", Timeout: discoveryTTL, Source: varJWKSURI}
	call := serviceCallout{Name: policyCallDiscovery, Response: discoveryResponse, URL: discoveryURL(issuer)}
	call.Request.Variable, call.Request.Verb = discoveryRequest, "GET"
	extract := extractVariables{Name: policyExtractJWKS, Source: discoveryResponse, Prefix: "lingate"}
	extract.Variable.Name, extract.Variable.JSONPath = "jwks_uri", "$.jwks_uri"
	miss := "lookupcache." + policyLookupJWKS + ".cachehit = false"
	return []policyFile{
			{policyLookupJWKS, lookup}, {policyCallDiscovery, call},
			{policyExtractJWKS, extract}, {policyPopulateJWKS, populate},
		}, []step{
			{Name: policyLookupJWKS},
			{Name: policyCallDiscovery, Condition: miss},
			{Name: policyExtractJWKS, Condition: and(miss, discoveryResponse+".content != null")},
			{Name: policyPopulateJWKS, Condition: miss},
		}
}
