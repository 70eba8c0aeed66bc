package simulate

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lingate/lingate/internal/access"
)

// Request is one simulated call.
type Request struct {
	Method string
	Path   string // the full request path, base path included
	// Claims are the caller's token claims (oidc) or developer app
	// attributes (apiKey, oauth2), each as JSON text; a value that is not
	// JSON is a string.
	Claims map[string]string
	// Headers are request headers, by lower-case name.
	Headers map[string]string
	// Vars are flow variables set before the proxy runs, as a verified
	// identity would leave them (the compiler's own tests use them to give
	// a claim's raw value); with Vars, authentication passes.
	Vars map[string]string
}

// Result is what the proxy does with a request.
type Result struct {
	Proxy    string `json:"proxy,omitempty"`
	BasePath string `json:"basePath,omitempty"`
	// Reached is true when the request would be sent to the backend.
	Reached bool `json:"reached"`
	// Status and Error are the refusal: the HTTP status and the error
	// code the proxy answers with (or the policy's error body).
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// RefusedBy is the policy that refused, and Flow the flow it ran in.
	RefusedBy string   `json:"refusedBy,omitempty"`
	Flow      string   `json:"flow,omitempty"`
	Members   []string `json:"members,omitempty"` // roles the caller is a member of
	Role      string   `json:"role,omitempty"`    // the role whose quota applies
	Quotas    []Quota  `json:"quotas,omitempty"`
	Spike     string   `json:"spikeArrest,omitempty"` // the product's spikeArrest
	// RateLimits are the SpikeArrests paired with per-second quotas, as
	// "policy rate key".
	RateLimits []string `json:"rateLimits,omitempty"`
	// Callouts are the ServiceCallouts the request made (the placement
	// lookup), as "policy VERB URL": offline, none is sent, so their
	// answer is missing and the proxy goes on as it does when one fails.
	Callouts []string `json:"callouts,omitempty"`
	Tier     string   `json:"tier,omitempty"`
	// ResourceGroup is the X-Resource-Group header the target receives.
	ResourceGroup  string            `json:"resourceGroup,omitempty"`
	TargetEndpoint string            `json:"targetEndpoint,omitempty"`
	Target         string            `json:"target,omitempty"`
	Headers        map[string]string `json:"headers,omitempty"` // headers set on the request to the target
	// ResponseHeaders and Body are the error response the client gets
	// (after the fault rules), for refused requests.
	ResponseHeaders map[string]string `json:"responseHeaders,omitempty"`
	Body            string            `json:"body,omitempty"`
	Steps           []string          `json:"steps"` // policies run, in order
}

// Quota is one quota policy the request counts against.
type Quota struct {
	Policy string `json:"policy"`
	Count  int    `json:"count"`
	Unit   string `json:"unit"`
	Key    string `json:"key"`
}

// String renders a quota as "Q-Role 600/minute payments-writer:alice".
func (q Quota) String() string { return fmt.Sprintf("%s %d/%s %s", q.Policy, q.Count, q.Unit, q.Key) }

// run is one request's evaluation.
type run struct {
	p    *Proxy
	req  Request
	vars map[string]string
	out  Result
}

// varName is the key of flow variable name in run.vars: Apigee reads the
// header name in request.header.NAME and response.header.NAME without
// regard to case, so those are kept lower-case; other names as written.
func varName(name string) string {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "request.header.") || strings.HasPrefix(lower, "response.header.") {
		return lower
	}
	return name
}

// Run sends req through the proxy; req.Path must start with its base path.
func (p *Proxy) Run(req Request) Result {
	suffix := strings.TrimPrefix(req.Path, strings.TrimSuffix(p.BasePath, "/"))
	r := &run{p: p, req: req, vars: map[string]string{"request.verb": req.Method, "proxy.pathsuffix": suffix, "proxy.basepath": p.BasePath}}
	r.out = Result{Proxy: p.Name, BasePath: p.BasePath, Headers: map[string]string{}, Steps: []string{}}
	for k, v := range req.Headers {
		r.vars[varName("request.header."+k)] = v
	}
	for k, v := range req.Vars {
		r.vars[k] = v
	}
	if r.steps("PreFlow", p.endpoint.PreFlow.Request) || r.flows() || r.steps("PostFlow", p.endpoint.PostFlow.Request) {
		r.errorFlow()
		return r.out
	}
	r.route()
	r.out.Role, r.out.Tier = r.vars["lingate.role"], r.vars["lingate.tier"]
	r.out.ResourceGroup = r.out.Headers["X-Resource-Group"]
	r.out.Reached = true
	return r.out
}

// flows runs the first conditional flow whose condition holds.
func (r *run) flows() bool {
	for _, f := range r.p.endpoint.Flows {
		if r.p.holds(f.Condition, r.vars) {
			return r.steps(f.Name, f.Request)
		}
	}
	return false
}

// steps runs steps whose conditions hold; true when one ended the request.
func (r *run) steps(flow string, steps []step) bool {
	for _, s := range steps {
		if !r.p.holds(s.Condition, r.vars) {
			continue
		}
		r.out.Steps = append(r.out.Steps, s.Name)
		if r.exec(s.Name) {
			r.out.Flow = flow
			return true
		}
	}
	return false
}

// route picks the target endpoint by the route rules.
func (r *run) route() {
	for _, rr := range r.p.endpoint.RouteRules {
		if r.p.holds(rr.Condition, r.vars) {
			r.out.TargetEndpoint = rr.TargetEndpoint
			if te, ok := r.p.targets[rr.TargetEndpoint]; ok {
				r.out.Target = te.describe()
			}
			return
		}
	}
}

// refuse ends the request with a status and an error.
func (r *run) refuse(policy string, status int, err string) bool {
	r.out.Status, r.out.Error, r.out.RefusedBy = status, err, policy
	return true
}

// exec runs one policy; true when it ended the request.
func (r *run) exec(name string) bool {
	pol, ok := r.p.policies[name]
	if !ok {
		return r.refuse(name, 500, "steps.missing.policy: no policy "+name+" in the bundle")
	}
	switch pol.Kind {
	case "AssignMessage":
		r.assign(pol)
	case "RaiseFault":
		r.vars["fault.name"] = "RaiseFault"
		r.assign(policy{Variables: pol.FaultVariables})
		r.response(pol.FaultHeaders, nil, pol.Payload, strconv.Itoa(pol.Status))
		return r.refuse(name, pol.Status, faultError(pol))
	case "Quota":
		r.quota(name, pol)
	case "SpikeArrest":
		r.spikeArrest(name, pol)
	case "Javascript":
		return r.script(name)
	case "VerifyJWT":
		return r.verifyJWT(name)
	case "VerifyAPIKey":
		return r.verifyAPIKey(name, pol)
	case "OAuthV2":
		return r.verifyToken(name)
	case "CORS":
		return r.cors(name)
	case "LookupCache":
		if !strings.HasPrefix(name, "LC-OIDC") {
			// Offline nothing else is cached: a placement lookup is made.
			r.vars["lookupcache."+name+".cachehit"] = "false"
			break
		}
		// The issuer's key set is taken as cached: offline, no discovery.
		r.vars["lookupcache."+name+".cachehit"] = "true"
		r.vars["lingate.jwks_uri"] = "cached"
	case "KeyValueMapOperations":
		if to := pol.KVMGet.AssignTo; to != "" {
			r.vars[varName(to)] = "(secret from the key value map " + pol.KVMap + ")"
		}
	case "ServiceCallout":
		r.callout(name, pol)
	case "ExtractVariables", "PopulateCache":
	default:
		return r.refuse(name, 500, "lingate simulate: no model of the "+pol.Kind+" policy "+name)
	}
	return false
}

// callout records the request a ServiceCallout would send, its query
// parameters filled in from the flow (never its headers, which carry the
// placement token). No answer comes back offline.
func (r *run) callout(name string, pol policy) {
	u := pol.CalloutURL
	for i, q := range pol.CalloutQuery {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + url.QueryEscape(q.Name) + "=" + url.QueryEscape(r.fill(q.Value))
	}
	r.out.Callouts = append(r.out.Callouts, name+" "+cmpOr(pol.CalloutVerb, "GET")+" "+u+" (not sent offline: no answer)")
}

// fill replaces the {variable}s of a message template with their values.
func (r *run) fill(template string) string {
	return templateVar.ReplaceAllStringFunc(template, func(m string) string { return r.vars[varName(m[1:len(m)-1])] })
}

// faultError is a RaiseFault's error: its JSON body's code, or error and
// message, else its reason phrase.
func faultError(pol policy) string {
	var body struct{ Code, Error, Message string }
	switch {
	case json.Unmarshal([]byte(pol.Payload), &body) != nil:
	case body.Code != "":
		return body.Code
	case body.Error != "":
		return body.Error + ": " + body.Message
	}
	return pol.Reason
}

// spikeArrest records a SpikeArrest: the product's own (a literal rate,
// no identifier) as Spike, one paired with a per-second quota in
// RateLimits.
func (r *run) spikeArrest(name string, pol policy) {
	if pol.Rate.Ref == "" && pol.Identifier.Ref == "" {
		r.out.Spike = pol.Rate.Value
		return
	}
	r.out.RateLimits = append(r.out.RateLimits, name+" "+r.ref(pol.Rate)+" "+r.ref(pol.Identifier))
}

// authFailed ends the request as a failed authentication policy does:
// 401, with <prefix>.failed and fault.name set for the fault rules.
func (r *run) authFailed(prefix, name, fault string) bool {
	r.vars[prefix+".failed"] = "true"
	r.vars["fault.name"] = fault[strings.LastIndex(fault[:strings.Index(fault, ":")], ".")+1 : strings.Index(fault, ":")]
	return r.refuse(name, 401, fault)
}

// requestID stands for Apigee's messageid in simulated error bodies.
const requestID = "simulated"

// response sets the error response's headers, removes headers, and sets
// its body and status when given.
func (r *run) response(set, remove []header, payload, status string) {
	if r.out.ResponseHeaders == nil {
		r.out.ResponseHeaders = map[string]string{}
	}
	for _, h := range remove {
		delete(r.out.ResponseHeaders, h.Name)
	}
	for _, h := range set {
		r.out.ResponseHeaders[h.Name] = h.Value
	}
	if status != "" {
		r.vars["response.status.code"] = status
	}
	if payload != "" {
		r.out.Body = strings.NewReplacer("@messageid#", requestID, "@response.status.code#", r.vars["response.status.code"]).Replace(payload)
	}
}

// errorFlow runs the fault rules after a refusal, as Apigee's error flow
// does: the first FaultRule whose condition holds, then the
// DefaultFaultRule when none ran or it is AlwaysEnforce. Their
// AssignMessage policies rewrite the error response; a status and code
// they write replace the refusal's. The simulator's own limits (a policy
// it has no model of) are reported as they are.
func (r *run) errorFlow() {
	if r.out.Status < 400 || strings.HasPrefix(r.out.Error, "lingate simulate:") {
		return // an answer of the proxy's (a CORS preflight), or a limit of the model
	}
	if _, ok := r.vars["response.status.code"]; !ok {
		r.vars["response.status.code"] = strconv.Itoa(r.out.Status)
	}
	ran := false
	for _, fr := range r.p.endpoint.FaultRules {
		if fr.Condition != "" && r.p.holds(fr.Condition, r.vars) {
			r.faultSteps(fr.Steps)
			ran = true
			break
		}
	}
	if d := r.p.endpoint.DefaultRule; d != nil && (!ran || d.AlwaysEnforce) {
		r.faultSteps(d.Steps)
	}
}

// faultSteps runs a fault rule's AssignMessage steps on the response.
func (r *run) faultSteps(steps []step) {
	for _, s := range steps {
		pol, ok := r.p.policies[s.Name]
		if !r.p.holds(s.Condition, r.vars) || !ok || pol.Kind != "AssignMessage" {
			continue
		}
		r.out.Steps = append(r.out.Steps, s.Name)
		r.response(pol.Set, pol.Remove, pol.SetPayload, pol.SetStatus)
		for _, v := range pol.Variables {
			r.vars[v.Name] = v.Value
		}
		if pol.SetStatus != "" {
			r.out.Status, _ = strconv.Atoi(pol.SetStatus)
		}
		var body struct{ Code string }
		if json.Unmarshal([]byte(r.out.Body), &body) == nil && body.Code != "" {
			r.out.Error = body.Code
		}
	}
}

// templateVar is a {variable} in a message template.
var templateVar = regexp.MustCompile(`\{([^{}]+)\}`)

// assign runs an AssignMessage on the request: header removals and sets,
// then variables.
func (r *run) assign(pol policy) {
	for _, h := range pol.Remove {
		delete(r.out.Headers, h.Name)
	}
	for _, h := range pol.Set {
		r.out.Headers[h.Name] = h.Value
	}
	for _, v := range pol.Variables {
		switch {
		case v.Ref != "":
			if val, ok := r.vars[varName(v.Ref)]; ok {
				r.vars[varName(v.Name)] = val
			}
		case v.Template != "":
			r.vars[varName(v.Name)] = r.fill(v.Template)
		default:
			r.vars[varName(v.Name)] = v.Value
		}
	}
}

// quota records a Quota policy the request counts against.
func (r *run) quota(name string, pol policy) {
	count := pol.Allow.Count
	if pol.Allow.CountRef != "" {
		count, _ = strconv.Atoi(r.vars[varName(pol.Allow.CountRef)])
	}
	r.out.Quotas = append(r.out.Quotas, Quota{Policy: name, Count: count, Unit: r.ref(pol.TimeUnit), Key: r.ref(pol.Identifier)})
}

// ref is a variable's value, else the literal.
func (r *run) ref(rv refValue) string {
	if v, ok := r.vars[varName(rv.Ref)]; ok && rv.Ref != "" {
		return v
	}
	return strings.TrimSpace(rv.Value)
}

// script runs the membership script on its Go model.
func (r *run) script(name string) bool {
	if r.p.script == nil {
		return r.refuse(name, 500, "lingate simulate: no membership script data in the bundle")
	}
	raw, set := r.vars[varName(r.p.script.Source)]
	r.out.Members = r.p.MembersFor(raw, set)
	for _, role := range r.out.Members {
		r.vars["lingate.member."+role] = "true"
	}
	return false
}

// claimValue is a claim as Apigee's flow variable holds it: a JSON
// string's text, anything else as its JSON text; text that is not JSON
// as written.
func claimValue(text string) string {
	var s string
	if json.Unmarshal([]byte(text), &s) == nil {
		return s
	}
	return text
}

// verifyJWT stands for a token that verified: the claims given are the
// token's. Without claims or an Authorization header there is no token.
func (r *run) verifyJWT(name string) bool {
	if !r.credentials("request.header.authorization") {
		return r.authFailed("jwt."+name, name, "steps.jwt.FailedToResolveVariable: no bearer token")
	}
	for k, v := range r.req.Claims {
		r.vars["jwt."+name+".decoded.claim."+k] = claimValue(v)
		r.vars["jwt."+name+".claim."+k] = claimValue(v)
	}
	subject := "simulated-subject"
	if sub, ok := r.req.Claims["sub"]; ok {
		subject = claimValue(sub)
	}
	r.setDefault("jwt."+name+".claim.subject", subject)
	return false
}

// appAttributes sets the developer app's attributes (the claims given)
// under prefix.
func (r *run) appAttributes(prefix string) {
	for k, v := range r.req.Claims {
		r.vars[prefix+"app."+k] = claimValue(v)
	}
}

// verifyAPIKey stands for a valid key: present in the header it names,
// or implied by app attributes given.
func (r *run) verifyAPIKey(name string, pol policy) bool {
	if !r.credentials(pol.APIKey.Ref) {
		return r.authFailed("verifyapikey."+name, name, "steps.oauth.v2.FailedToResolveAPIKey: no API key")
	}
	if !r.productAllows() {
		return r.authFailed("verifyapikey."+name, name, "steps.oauth.v2.InvalidApiKeyForGivenResource: the API product has no operation for the request")
	}
	prefix := "verifyapikey." + name + "."
	r.setDefault(prefix+"client_id", cmpOr(r.vars[varName(pol.APIKey.Ref)], "simulated-app"))
	r.appAttributes(prefix)
	return false
}

// verifyToken stands for a valid access token, present or implied by app
// attributes given.
func (r *run) verifyToken(name string) bool {
	if !r.credentials("request.header.authorization") {
		return r.authFailed("oauthV2."+name, name, "steps.oauth.v2.InvalidAccessToken: no access token")
	}
	if !r.productAllows() {
		return r.authFailed("oauthV2."+name, name, "steps.oauth.v2.InvalidAPICallAsNoApiProductMatchFound: the API product has no operation for the request")
	}
	r.setDefault("client_id", "simulated-app")
	r.appAttributes("")
	return false
}

// productAllows reports whether the API product's operation group, if it
// has one, lists the request's path (a resource, as MatchesPath reads
// it) with its method.
func (r *run) productAllows() bool {
	if r.p.Operations == nil {
		return true
	}
	for res, methods := range r.p.Operations {
		if slices.Contains(methods, r.req.Method) && access.MatchesPath(res, r.vars["proxy.pathsuffix"]) {
			return true
		}
	}
	return false
}

// credentials reports whether the caller presents any: claims or app
// attributes, preset variables, or the credential variable (a header).
func (r *run) credentials(variable string) bool {
	return len(r.req.Claims) > 0 || len(r.req.Vars) > 0 || r.vars[variable] != ""
}

// setDefault sets a variable unless it is set.
func (r *run) setDefault(name, value string) {
	if _, ok := r.vars[name]; !ok {
		r.vars[name] = value
	}
}

// cors answers a preflight request itself, as Apigee's CORS policy does.
func (r *run) cors(name string) bool {
	if r.req.Method == "OPTIONS" && r.vars["request.header.origin"] != "" && r.vars["request.header.access-control-request-method"] != "" {
		r.out.Status, r.out.RefusedBy, r.out.Error = 200, name, "preflight answered by the proxy"
		return true
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MembersFor is the roles the proxy's membership script makes a caller
// whose groups variable holds raw (set false: unset) a member of.
func (p *Proxy) MembersFor(raw string, set bool) []string {
	if p.script == nil {
		return nil
	}
	return p.script.MembersFor(raw, set)
}
