package apigee

import "encoding/xml"

// OIDC discovery: when a product names no jwksUri, the proxy reads the
// issuer's discovery document once an hour and keeps its jwks_uri in the
// cache. On a miss, unless a failure was cached in the last
// discoveryFailureTTL seconds, a ServiceCallout over verified TLS fetches
// the document; its jwks_uri is accepted only when the document's issuer
// is the configured one and jwks_uri is an https URL. A failed call or a
// rejected document is cached as a failure briefly, so an outage of the
// provider does not turn every request into a call, and the request gets
// 503.

// cacheKey identifies a cache entry: the key set URI of one issuer, a
// discovery failure, or a placement answer.
type cacheKey struct {
	Prefix    string        `xml:"Prefix"`
	Fragments []keyFragment `xml:"KeyFragment"`
}

// keyFragment is a literal part of a cache key, or a flow variable (Ref).
type keyFragment struct {
	Ref   string `xml:"ref,attr,omitempty"`
	Value string `xml:",chardata"`
}

// lookupCache reads a cache entry into a variable (left unset on a miss).
type lookupCache struct {
	XMLName  xml.Name `xml:"LookupCache"`
	Name     string   `xml:"name,attr"`
	CacheKey cacheKey `xml:"CacheKey"`
	Scope    string   `xml:"Scope"`
	AssignTo string   `xml:"AssignTo"`
}

// populateCache stores a variable's value for a while.
type populateCache struct {
	XMLName  xml.Name `xml:"PopulateCache"`
	Name     string   `xml:"name,attr"`
	CacheKey cacheKey `xml:"CacheKey"`
	Scope    string   `xml:"Scope"`
	Timeout  int      `xml:"ExpirySettings>TimeoutInSeconds"`
	Source   string   `xml:"Source"`
}

// serviceCallout fetches the discovery document. It continues on error:
// the steps after it judge the response, and cache a failure.
type serviceCallout struct {
	XMLName         xml.Name `xml:"ServiceCallout"`
	Name            string   `xml:"name,attr"`
	ContinueOnError bool     `xml:"continueOnError,attr"`
	Request         struct {
		Variable string `xml:"variable,attr"`
		Verb     string `xml:"Set>Verb"`
	} `xml:"Request"`
	Response   string            `xml:"Response"`
	Timeout    int               `xml:"Timeout"`
	Connection calloutConnection `xml:"HTTPTargetConnection"`
}

// calloutConnection is the discovery call's TLS, verified against
// Apigee's default trust (LintSSL suppresses apigeelint's TD007, "use a
// TrustStore"), and URL.
type calloutConnection struct {
	LintSSL xml.Comment `xml:",comment"`
	SSLInfo sslInfo     `xml:"SSLInfo"`
	URL     string      `xml:"URL"`
}

// extractVariable is one JSON field ExtractVariables reads.
type extractVariable struct {
	Name     string `xml:"name,attr"`
	JSONPath string `xml:"JSONPath"`
}

// extractVariables reads issuer and jwks_uri from the discovery document.
type extractVariables struct {
	XMLName                   xml.Name          `xml:"ExtractVariables"`
	Name                      string            `xml:"name,attr"`
	Source                    string            `xml:"Source"`
	Prefix                    string            `xml:"VariablePrefix"`
	Variables                 []extractVariable `xml:"JSONPayload>Variable"`
	IgnoreUnresolvedVariables bool              `xml:"IgnoreUnresolvedVariables"`
}

const (
	discoveryRequest    = "oidcDiscoveryRequest"
	discoveryResponse   = "oidcDiscoveryResponse"
	discoveryTTL        = 3600 // seconds a discovered key set URI is kept
	discoveryFailureTTL = 30   // seconds a failed discovery is remembered
	discoveryTimeout    = 5000 // milliseconds the discovery call may take
	discoveryPrefix     = "lingate.discovery"
	varDiscoveredIssuer = discoveryPrefix + ".issuer"   // the document's issuer
	varDiscoveredJWKS   = discoveryPrefix + ".jwks_uri" // the document's jwks_uri, before checks
	varDiscoveryDown    = discoveryPrefix + ".down"     // set when a failure is cached
)

// discovery returns the policies and steps that leave the issuer's key set
// URI in lingate.jwks_uri, or answer 503.
func discovery(issuer string) ([]policyFile, []step) {
	key := cacheKey{Prefix: "lingate-jwks-uri", Fragments: []keyFragment{{Value: issuer}}}
	failKey := cacheKey{Prefix: "lingate-jwks-failure", Fragments: []keyFragment{{Value: issuer}}}
	call := serviceCallout{Name: policyCallDiscovery, ContinueOnError: true, Response: discoveryResponse, Timeout: discoveryTimeout,
		Connection: calloutConnection{LintSSL: xml.Comment(suppressTD007), SSLInfo: sslInfo{Enabled: true, Enforce: true}, URL: discoveryURL(issuer)}}
	call.Request.Variable, call.Request.Verb = discoveryRequest, "GET"
	extract := extractVariables{Name: policyExtractJWKS, Source: discoveryResponse, Prefix: discoveryPrefix, IgnoreUnresolvedVariables: true,
		Variables: []extractVariable{{"issuer", "$.issuer"}, {"jwks_uri", "$.jwks_uri"}}}
	accept := assignMessage{Name: policyAcceptJWKS, AssignVariables: []assignVariable{{Name: varJWKSURI, Ref: varDiscoveredJWKS}}}
	miss := isUnset(varJWKSURI)
	fetch := and(miss, isUnset(varDiscoveryDown))
	return []policyFile{
			{policyLookupJWKS, lookupCache{Name: policyLookupJWKS, CacheKey: key, Scope: "Exclusive", AssignTo: varJWKSURI}},
			{policyLookupFailure, lookupCache{Name: policyLookupFailure, CacheKey: failKey, Scope: "Exclusive", AssignTo: varDiscoveryDown}},
			{policyCallDiscovery, call},
			{policyExtractJWKS, extract},
			{policyAcceptJWKS, accept},
			{policyPopulateFailure, populateCache{Name: policyPopulateFailure, CacheKey: failKey, Scope: "Exclusive", Timeout: discoveryFailureTTL, Source: "system.timestamp"}},
			{policyPopulateJWKS, populateCache{Name: policyPopulateJWKS, CacheKey: key, Scope: "Exclusive", Timeout: discoveryTTL, Source: varJWKSURI}},
			fault(policyDiscoveryDown, 503, "Service Unavailable", "identity_provider_unavailable"),
		}, []step{
			{Name: policyLookupJWKS},
			{Name: policyLookupFailure, Condition: miss},
			{Name: policyCallDiscovery, Condition: fetch},
			{Name: policyExtractJWKS, Condition: and(equals(discoveryResponse+".status.code", "200"), discoveryResponse+".content != null")},
			{Name: policyAcceptJWKS, Condition: and(equals(varDiscoveredIssuer, issuer), varDiscoveredJWKS+` ~~ "^https://"`)},
			{Name: policyPopulateFailure, Condition: fetch},
			{Name: policyPopulateJWKS, Condition: and("lookupcache."+policyLookupJWKS+".cachehit = false", varJWKSURI+" != null")},
			{Name: policyDiscoveryDown, Condition: miss},
		}
}
