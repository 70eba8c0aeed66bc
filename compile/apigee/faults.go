package apigee

import (
	"encoding/xml"

	"github.com/lingate/lingate/schema"
)

// Error responses. Every error the proxy answers has the same minimal
// JSON body, {"status":N,"code":"...","request_id":"..."}, and the
// response header transforms; nothing names a policy, a role or a quota.
// RaiseFault policies (403, 404, 405) write their own body and set
// lingate.error, so the DefaultFaultRule keeps it. FaultRules
// turn Apigee's own faults into 401 (authentication failed, with
// WWW-Authenticate) and 429 (quota or spike arrest); the DefaultFaultRule,
// which Apigee runs after any FaultRule (AlwaysEnforce), replaces the body
// of backend 5xx answers and of every other fault (500), and applies the
// response header transforms. Backend 4xx bodies pass through: they are
// the API's own answers.

// faultRule runs steps when its condition holds; the DefaultFaultRule has
// no condition and, with AlwaysEnforce, runs after any FaultRule.
type faultRule struct {
	Name          string `xml:"name,attr"`
	Steps         []step `xml:"Step"`
	AlwaysEnforce bool   `xml:"AlwaysEnforce,omitempty"`
	Condition     string `xml:"Condition,omitempty"`
}

// errorMessage is an AssignMessage that rewrites the error response (in
// a fault rule, the message an AssignMessage without AssignTo changes).
type errorMessage struct {
	XMLName                   xml.Name         `xml:"AssignMessage"`
	Name                      string           `xml:"name,attr"`
	AssignVariables           []assignVariable `xml:"AssignVariable"`
	Headers                   *headerSet       `xml:"Set>Headers"`
	Payload                   payload          `xml:"Set>Payload"`
	StatusCode                string           `xml:"Set>StatusCode,omitempty"`
	ReasonPhrase              string           `xml:"Set>ReasonPhrase,omitempty"`
	IgnoreUnresolvedVariables bool             `xml:"IgnoreUnresolvedVariables"`
}

// errorResponse rewrites the response to status and code; it records
// code in lingate.error so the DefaultFaultRule leaves it alone. An empty
// status keeps the response's own (written in the body from
// response.status.code).
func errorResponse(name, status, reason, code string) errorMessage {
	body := status
	if body == "" {
		body = "@response.status.code#"
	}
	return errorMessage{
		Name:                      name,
		AssignVariables:           []assignVariable{{Name: varError, Value: code}},
		Payload:                   errorPayload(body, code),
		StatusCode:                status,
		ReasonPhrase:              reason,
		IgnoreUnresolvedVariables: true,
	}
}

// authFailed is the condition under which the product's authentication
// policy failed, and the WWW-Authenticate challenge a 401 carries.
func authFailed(p *schema.Product) (cond, challenge string) {
	realm := ` realm="` + p.Name + `"`
	switch {
	case p.Auth.OIDC != nil:
		return "jwt." + policyVerifyJWT + ".failed = true", "Bearer" + realm
	case p.Auth.APIKey != nil:
		return "verifyapikey." + policyVerifyAPIKey + ".failed = true", "APIKey" + realm + `, header="` + apiKeyHeader + `"`
	}
	return "oauthV2." + policyVerifyToken + ".failed = true", "Bearer" + realm
}

// faultHandling returns the ProxyEndpoint's FaultRules, its (and every
// TargetEndpoint's) DefaultFaultRule, and their policies. responseHeaders
// is the response header transform policy, "" when there is none.
func faultHandling(p *schema.Product, responseHeaders string) ([]faultRule, faultRule, []policyFile) {
	cond, challenge := authFailed(p)
	unauth := errorResponse(policyErrorUnauthenticated, "401", "Unauthorized", "unauthenticated")
	unauth.Headers = &headerSet{[]header{{Name: "WWW-Authenticate", Value: challenge}}}
	files := []policyFile{
		{policyErrorUnauthenticated, unauth},
		{policyErrorRateLimited, errorResponse(policyErrorRateLimited, "429", "Too Many Requests", "rate_limited")},
		{policyErrorBackend, errorResponse(policyErrorBackend, "", "", "backend_error")},
		{policyErrorInternal, errorResponse(policyErrorInternal, "500", "Internal Server Error", "internal")},
	}
	rules := []faultRule{
		{Name: "unauthenticated", Steps: []step{{Name: policyErrorUnauthenticated}}, Condition: cond},
		{Name: "rate-limited", Steps: []step{{Name: policyErrorRateLimited}},
			Condition: or(equals("fault.name", "QuotaViolation"), equals("fault.name", "SpikeArrestViolation"))},
	}
	def := faultRule{Name: "default", AlwaysEnforce: true, Steps: []step{
		{Name: policyErrorBackend, Condition: and(equals("fault.name", "ErrorResponseCode"), "response.status.code >= 500")},
		{Name: policyErrorInternal, Condition: and(isUnset(varError), "fault.name != \"ErrorResponseCode\"")},
	}}
	if responseHeaders != "" {
		def.Steps = append(def.Steps, step{Name: responseHeaders})
	}
	return rules, def, files
}
