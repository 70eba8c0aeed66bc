package apigee

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Placement lookup (docs/placement.md): a product with a placement key
// asks its environment's placement service where the call's data lives.
// Answers are cached per tier and key for the service's cacheTTL, so the
// ServiceCallout runs on a miss only:
//
//	AM-Placement-Key      drop caller-sent X-Lingate-* headers, take the key
//	LC-Placement          cached "resource/node" of (tier, key)
//	KVM-Placement-Token   the bearer token, from the environment's KVM
//	SC-Placement          GET <url>/v1/placement?env&tier&key (timeout)
//	EV-Placement          resource and node from the JSON answer
//	AM-Placement-Answer   "resource/node", and PC-Placement caches it
//	EV-Placement-Cached   resource and node from a cached answer
//	RF-Placement-*        fail closed: 400 without a key, 503 without an answer
//	AM-Placement-Headers  X-Lingate-Volume and X-Lingate-Node to the target
//
// RouteRules then send a call placed on a node that a target names to that
// node's TargetEndpoint.

// Placement policy names.
const (
	policyPlacementKey      = "AM-Placement-Key"
	policyPlacementKeyPath  = "EV-Placement-Key"
	policyPlacementLookup   = "LC-Placement"
	policyPlacementToken    = "KVM-Placement-Token"
	policyPlacementCall     = "SC-Placement"
	policyPlacementExtract  = "EV-Placement"
	policyPlacementAnswer   = "AM-Placement-Answer"
	policyPlacementPopulate = "PC-Placement"
	policyPlacementCached   = "EV-Placement-Cached"
	policyPlacementNoKey    = "RF-Placement-NoKey"
	policyPlacementFailed   = "RF-Placement-Unavailable"
	policyPlacementHeaders  = "AM-Placement-Headers"
)

// Placement flow variables and names.
const (
	varPlacement         = "lingate.placement"
	varPlacementKey      = varPlacement + ".key"
	varPlacementAnswer   = varPlacement + ".answer"   // "resource/node"
	varPlacementResource = varPlacement + ".resource" // the LINSTOR resource
	varPlacementNode     = varPlacement + ".node"     // the preferred node
	varPlacementToken    = "private.lingate.placement.token"
	placementResponse    = "lingatePlacementResponse"
	placementRequest     = "lingatePlacementRequest"
	// PlacementKVM is the encrypted environment key value map holding the
	// placement service's bearer token under PlacementTokenKey.
	PlacementKVM      = "lingate"
	PlacementTokenKey = "placement-token"
	volumeTitle       = "X-Lingate-Volume"
	nodeTitle         = "X-Lingate-Node"
)

// placementCallout is the ServiceCallout of a lookup.
type placementCallout struct {
	XMLName         xml.Name `xml:"ServiceCallout"`
	Name            string   `xml:"name,attr"`
	ContinueOnError bool     `xml:"continueOnError,attr"`
	Request         struct {
		Variable    string   `xml:"variable,attr"`
		QueryParams []header `xml:"Set>QueryParams>QueryParam"`
		Headers     []header `xml:"Set>Headers>Header"`
		Verb        string   `xml:"Set>Verb"`
		IgnoreUnres bool     `xml:"IgnoreUnresolvedVariables"`
	} `xml:"Request"`
	Response string `xml:"Response"`
	Timeout  int    `xml:"Timeout"`
	URL      string `xml:"HTTPTargetConnection>URL"`
}

// evPattern is one Pattern of a URIPath or Variable extraction.
type evPattern struct {
	IgnoreCase bool   `xml:"ignoreCase,attr"`
	Pattern    string `xml:",chardata"`
}

type evJSONVariable struct {
	Name     string `xml:"name,attr"`
	JSONPath string `xml:"JSONPath"`
}

type evURIPath struct {
	Patterns []evPattern `xml:"Pattern"`
}

type evJSON struct {
	Variables []evJSONVariable `xml:"Variable"`
}

type evVariable struct {
	Name     string      `xml:"name,attr"`
	Patterns []evPattern `xml:"Pattern"`
}

// placementExtract is ExtractVariables from a URI path, a JSON answer or a
// variable.
type placementExtract struct {
	XMLName                   xml.Name    `xml:"ExtractVariables"`
	Name                      string      `xml:"name,attr"`
	Source                    string      `xml:"Source,omitempty"`
	Prefix                    string      `xml:"VariablePrefix"`
	URIPath                   *evURIPath  `xml:"URIPath"`
	JSON                      *evJSON     `xml:"JSONPayload"`
	Variable                  *evVariable `xml:"Variable"`
	IgnoreUnresolvedVariables bool        `xml:"IgnoreUnresolvedVariables"`
}

// kvmGet reads one entry of an environment's encrypted KVM.
type kvmGet struct {
	XMLName       xml.Name `xml:"KeyValueMapOperations"`
	Name          string   `xml:"name,attr"`
	MapIdentifier string   `xml:"mapIdentifier,attr"`
	ExpiryTime    int      `xml:"ExpiryTimeInSecs"`
	Get           struct {
		AssignTo string `xml:"assignTo,attr"`
		Key      string `xml:"Key>Parameter"`
	} `xml:"Get"`
	Scope string `xml:"Scope"`
}

// placementSteps returns the policies and PostFlow steps of a product's
// placement lookup (none without placement). They run after the tier
// policies: the lookup is per tier.
func placementSteps(env *schema.Environment, p *schema.Product) ([]policyFile, []step) {
	if p.Placement == nil || env.Placement == nil {
		return nil, nil
	}
	svc := env.Placement
	files, steps := placementKey(p)
	hasKey := varPlacementKey + " != null"
	// cachehit is unset (so neither true nor false) when there is no key.
	miss := "lookupcache." + policyPlacementLookup + ".cachehit = false"
	hit := "lookupcache." + policyPlacementLookup + ".cachehit = true"
	// the response exists only after a callout, so only on a miss
	answered := and(placementResponse+".status.code = 200", placementResponse+".content != null")
	key := cacheKey{Prefix: "lingate-placement", Fragments: []keyFragment{{Ref: varTier}, {Ref: varPlacementKey}}}
	files = append(files,
		policyFile{policyPlacementLookup, lookupCache{Name: policyPlacementLookup, CacheKey: key, Scope: "Exclusive", AssignTo: varPlacementAnswer}},
		policyFile{policyPlacementToken, placementToken()},
		policyFile{policyPlacementCall, placementCall(env, svc)},
		policyFile{policyPlacementExtract, placementExtract{Name: policyPlacementExtract, Source: placementResponse, Prefix: varPlacement,
			JSON: &evJSON{[]evJSONVariable{{"resource", "$.resource"}, {"node", "$.node"}}}, IgnoreUnresolvedVariables: true}},
		policyFile{policyPlacementAnswer, assignMessage{Name: policyPlacementAnswer,
			AssignVariables: []assignVariable{{Name: varPlacementAnswer, Template: "{" + varPlacementResource + "}/{" + varPlacementNode + "}"}}}},
		policyFile{policyPlacementPopulate, populateCache{Name: policyPlacementPopulate, CacheKey: key, Scope: "Exclusive",
			Timeout: svc.CacheSeconds(), Source: varPlacementAnswer}},
		policyFile{policyPlacementCached, placementExtract{Name: policyPlacementCached, Prefix: varPlacement,
			Variable: &evVariable{Name: varPlacementAnswer, Patterns: []evPattern{{Pattern: "{resource}/{node}"}}}, IgnoreUnresolvedVariables: true}},
		policyFile{policyPlacementHeaders, assignMessage{Name: policyPlacementHeaders, Set: &headerList{Headers: []header{
			{Name: nodeTitle, Value: "{" + varPlacementNode + "}"},
			{Name: volumeTitle, Value: "{" + varPlacementResource + "}"},
		}}}},
	)
	steps = append(steps,
		step{Name: policyPlacementLookup, Condition: hasKey},
		step{Name: policyPlacementToken, Condition: miss},
		step{Name: policyPlacementCall, Condition: miss},
		step{Name: policyPlacementExtract, Condition: answered},
		step{Name: policyPlacementAnswer, Condition: and(placementResponse+".status.code = 200", varPlacementNode+" != null")},
		step{Name: policyPlacementPopulate, Condition: and(placementResponse+".status.code = 200", varPlacementNode+" != null")},
		step{Name: policyPlacementCached, Condition: hit},
	)
	if svc.OnFailure == schema.PlacementFailClosed {
		files = append(files,
			fault(policyPlacementNoKey, 400, "Bad Request", "placement_key_missing"),
			fault(policyPlacementFailed, 503, "Service Unavailable", "placement_unavailable"))
		steps = append(steps,
			step{Name: policyPlacementNoKey, Condition: isUnset(varPlacementKey)},
			step{Name: policyPlacementFailed, Condition: isUnset(varPlacementNode)})
	}
	return files, append(steps, step{Name: policyPlacementHeaders, Condition: varPlacementNode + " != null"})
}

// placementKey takes the key into lingate.placement.key, after dropping
// X-Lingate-* headers the caller sent (only the lookup sets them).
func placementKey(p *schema.Product) ([]policyFile, []step) {
	k := p.Placement.Key
	am := assignMessage{Name: policyPlacementKey, Remove: &headerList{Headers: []header{{Name: nodeTitle}, {Name: volumeTitle}}}}
	switch {
	case k.Header != "":
		am.AssignVariables = []assignVariable{{Name: varPlacementKey, Ref: "request.header." + k.Header}}
	case k.Claim != "":
		am.AssignVariables = []assignVariable{{Name: varPlacementKey, Ref: "jwt." + policyVerifyJWT + ".decoded.claim." + k.Claim}}
	}
	files := []policyFile{{policyPlacementKey, am}}
	steps := []step{{Name: policyPlacementKey}}
	if k.PathSegment != nil {
		files = append(files, policyFile{policyPlacementKeyPath, pathSegmentExtract(*k.PathSegment)})
		steps = append(steps, step{Name: policyPlacementKeyPath})
	}
	return files, steps
}

// pathSegmentExtract reads segment n (0 first) of the path after the base
// path into lingate.placement.key; the segments before it land in
// lingate.placement.sN, unused.
func pathSegmentExtract(n int) placementExtract {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "/{s%d}", i)
	}
	b.WriteString("/{key}")
	return placementExtract{Name: policyPlacementKeyPath, Source: "request", Prefix: varPlacement,
		URIPath:                   &evURIPath{[]evPattern{{Pattern: b.String()}, {Pattern: b.String() + "/**"}}},
		IgnoreUnresolvedVariables: true}
}

// placementToken reads the service's bearer token from the environment's
// encrypted KVM into a private variable (never in traces).
func placementToken() kvmGet {
	k := kvmGet{Name: policyPlacementToken, MapIdentifier: PlacementKVM, ExpiryTime: 300, Scope: "environment"}
	k.Get.AssignTo, k.Get.Key = varPlacementToken, PlacementTokenKey
	return k
}

// placementCall is the lookup: it continues on error, so a failure leaves
// no answer and the onFailure rule decides.
func placementCall(env *schema.Environment, svc *schema.PlacementService) placementCallout {
	c := placementCallout{Name: policyPlacementCall, ContinueOnError: true, Response: placementResponse,
		Timeout: svc.TimeoutMillis(), URL: strings.TrimSuffix(svc.URL, "/") + "/v1/placement"}
	c.Request.Variable, c.Request.Verb, c.Request.IgnoreUnres = placementRequest, "GET", false
	c.Request.QueryParams = []header{{Name: "env", Value: env.Name}, {Name: "tier", Value: "{" + varTier + "}"}, {Name: "key", Value: "{" + varPlacementKey + "}"}}
	c.Request.Headers = []header{{Name: "Authorization", Value: "Bearer {" + varPlacementToken + "}"}}
	return c
}

// withNodeRoutes adds the TargetEndpoints of the product's per-node
// backends to tes, and RouteRules that choose them by the node the lookup
// named: a tier's node backends before the tier rules of rules, the
// any-tier ones (under target) after them and before the unconditional
// last rule, so a tier with a backend of its own keeps it.
func withNodeRoutes(p *schema.Product, tes []targetEndpoint, rules []routeRule) ([]targetEndpoint, []routeRule) {
	if p.Placement == nil || len(rules) == 0 {
		return tes, rules
	}
	var tierRules, anyRules []routeRule
	for _, n := range p.NodeTargets() {
		name, cond := "node-"+n.Node, equals(varPlacementNode, n.Node)
		if n.Tier != "" {
			name, cond = tierTargetName(n.Tier)+"-node-"+n.Node, and(equals(varTier, n.Tier), cond)
		}
		tes = append(tes, newTarget(name, n.Target))
		r := routeRule{Name: name, Condition: cond, TargetEndpoint: name}
		if n.Tier == "" {
			anyRules = append(anyRules, r)
		} else {
			tierRules = append(tierRules, r)
		}
	}
	last := len(rules) - 1
	return tes, slices.Concat(tierRules, rules[:last], anyRules, rules[last:])
}
