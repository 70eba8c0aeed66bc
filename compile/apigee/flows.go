package apigee

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lingate/lingate/schema"
)

// operation is one declared operation with its number (from 1, in the
// order the product lists them) and its path as a MatchesPath pattern.
type operation struct {
	n       int
	op      schema.Operation
	pattern string
}

// placeholder is an OpenAPI-style path parameter such as {id}.
var placeholder = regexp.MustCompile(`\{[^/{}]*\}`)

// pathPattern turns an operation path into a MatchesPath pattern (and an
// API product resource): parameters such as {id} match one segment.
func pathPattern(path string) string {
	return placeholder.ReplaceAllString(path, "*")
}

// operations returns the product's operations, the most specific first:
// Apigee runs the first flow whose condition matches, so /orders/export
// must come before /orders/*. Paths with fewer wildcards come first, "**"
// last; otherwise the declared order holds.
func operations(p *schema.Product) []operation {
	ops := make([]operation, len(p.Operations))
	for i, op := range p.Operations {
		ops[i] = operation{n: i + 1, op: op, pattern: pathPattern(op.Path)}
	}
	slices.SortStableFunc(ops, func(a, b operation) int {
		return cmp.Or(
			cmp.Compare(strings.Count(a.pattern, "**"), strings.Count(b.pattern, "**")),
			cmp.Compare(strings.Count(a.pattern, "*"), strings.Count(b.pattern, "*")),
		)
	})
	return ops
}

// pathCondition selects requests for one path pattern, with or without a
// trailing slash: /orders/ is /orders, and so the bare base path (an
// empty path suffix) is "/". "/" is compared for equality, not with
// MatchesPath, whose reading of "/" against "" and "/" Apigee's documents
// do not settle (community.apigee.com/articles/2774 says MatchesPath "/"
// holds for "" and not for "/").
func pathCondition(pattern string) string {
	if pattern == "/" {
		return or(equals("proxy.pathsuffix", ""), equals("proxy.pathsuffix", "/"))
	}
	cond := "proxy.pathsuffix MatchesPath " + literal(pattern)
	if !withSlash(pattern) {
		return cond
	}
	return or(cond, "proxy.pathsuffix MatchesPath "+literal(pattern+"/"))
}

// withSlash reports whether pattern also matches with a trailing slash:
// all but "/" (pathCondition's own case) and patterns ending in "/**",
// which already do.
func withSlash(pattern string) bool {
	return pattern != "/" && !strings.HasSuffix(pattern, "/**")
}

// operationCondition selects requests for one path and method.
func operationCondition(pattern, method string) string {
	return and(pathCondition(pattern), equals("request.verb", method))
}

// flowName names an operation's flow readably: "op2-get-orders-id".
func flowName(n int, method, path string) string {
	name := "op" + strconv.Itoa(n) + "-" + strings.ToLower(method)
	if s := slug(path); s != "" {
		name += "-" + s
	}
	return name
}

// flows returns one flow per operation and method (HEAD implied by GET),
// each admitting the request by the first grant that authorises it; then
// one flow per declared path answering 405 to its other methods; then the
// unconditional flow last. It also returns the 405 policies.
func flows(p *schema.Product, ms []member) ([]flow, []policyFile) {
	var fs, paths []flow
	var faults []policyFile
	seen := map[string]bool{}
	for _, o := range operations(p) {
		for _, m := range withHead(o.op.Methods) {
			f := flow{Name: flowName(o.n, m, o.op.Path), Condition: operationCondition(o.pattern, m)}
			f.Request.Steps = grantSteps(p, ms, &o.op, m)
			fs = append(fs, f)
		}
		if seen[o.pattern] {
			continue
		}
		seen[o.pattern] = true
		allowed := pathMethods(p, o.pattern)
		name := notAllowedPolicy(allowed)
		paths = append(paths, flow{Name: flowName(o.n, "405", o.op.Path), Condition: pathCondition(o.pattern),
			Request: stepList{Steps: []step{{Name: name}}}})
		if !slices.ContainsFunc(faults, func(f policyFile) bool { return f.name == name }) {
			faults = append(faults, methodNotAllowed(allowed))
		}
	}
	return append(append(fs, paths...), catchAll(p, ms)), faults
}

// pathMethods are the methods the operations on one path pattern declare,
// HEAD implied by GET, sorted.
func pathMethods(p *schema.Product, pattern string) []string {
	var methods []string
	for _, op := range p.Operations {
		if pathPattern(op.Path) == pattern {
			methods = append(methods, withHead(op.Methods)...)
		}
	}
	slices.Sort(methods)
	return slices.Compact(methods)
}

// catchAll is the last, unconditional flow. With operations declared it
// answers 404 to anything else; without, it admits the request by the
// first grant that allows its method.
func catchAll(p *schema.Product, ms []member) flow {
	f := flow{Name: catchAllFlowName}
	if len(p.Operations) > 0 {
		f.Request.Steps = []step{{Name: policyNotFound}}
		return f
	}
	var steps []step
	for _, m := range precedence(ms) {
		verbs := fmt.Sprintf(`request.verb ~~ "^(%s)$"`, strings.Join(m.methods(p), "|"))
		steps = append(steps, step{Name: grantPolicy(m.role.Name), Condition: and(isTrue(memberVar(m.role.Name)), isUnset(varRole), verbs)})
	}
	f.Request.Steps = append(steps, step{Name: policyForbidden, Condition: isUnset(varRole)})
	return f
}

// raiseFault is the RaiseFault policy with a JSON error body.
type raiseFault struct {
	XMLName                   xml.Name         `xml:"RaiseFault"`
	Name                      string           `xml:"name,attr"`
	AssignVariables           []assignVariable `xml:"FaultResponse>AssignVariable"`
	Headers                   *headerSet       `xml:"FaultResponse>Set>Headers"`
	Payload                   payload          `xml:"FaultResponse>Set>Payload"`
	StatusCode                int              `xml:"FaultResponse>Set>StatusCode"`
	ReasonPhrase              string           `xml:"FaultResponse>Set>ReasonPhrase"`
	IgnoreUnresolvedVariables bool             `xml:"IgnoreUnresolvedVariables"`
}

// headerSet is the Headers of a message's Set, omitted when nil.
type headerSet struct {
	Headers []header `xml:"Header"`
}

// payload is a response body and its content type. Variables in the body
// are written @name# so JSON braces stay literal.
type payload struct {
	ContentType    string `xml:"contentType,attr"`
	VariablePrefix string `xml:"variablePrefix,attr,omitempty"`
	VariableSuffix string `xml:"variableSuffix,attr,omitempty"`
	Body           string `xml:",chardata"`
}

// errorPayload is the body of every error the proxy answers itself: the
// status, a short code, and the request id (Apigee's messageid), nothing
// naming a policy, a role or a quota.
func errorPayload(status, code string) payload {
	body := fmt.Sprintf(`{"status":%s,"code":%q,"request_id":"@messageid#"}`, status, code)
	return payload{ContentType: "application/json", VariablePrefix: "@", VariableSuffix: "#", Body: body}
}

// fault answers with status and the error body of code. It records code
// in lingate.error, as the fault rules' error responses do, so the
// DefaultFaultRule leaves its answer alone whatever fault.name Apigee
// gives a RaiseFault (the documents read both ways: "RaiseFault", or the
// policy's name).
func fault(name string, status int, reason, code string) policyFile {
	return policyFile{name, raiseFault{
		Name:                      name,
		AssignVariables:           []assignVariable{{Name: varError, Value: code}},
		Payload:                   errorPayload(strconv.Itoa(status), code),
		StatusCode:                status,
		ReasonPhrase:              reason,
		IgnoreUnresolvedVariables: true,
	}}
}

// forbidden refuses requests no grant of the caller's roles authorises.
func forbidden() policyFile {
	return fault(policyForbidden, 403, "Forbidden", "forbidden")
}

// notFound answers requests that no declared operation matches.
func notFound() policyFile {
	return fault(policyNotFound, 404, "Not Found", "not_found")
}

// methodNotAllowed answers a declared path with another method: 405, and
// Allow listing the path's methods.
func methodNotAllowed(methods []string) policyFile {
	f := fault(notAllowedPolicy(methods), 405, "Method Not Allowed", "method_not_allowed")
	rf := f.doc.(raiseFault)
	rf.Headers = &headerSet{[]header{{Name: "Allow", Value: strings.Join(methods, ", ")}}}
	f.doc = rf
	return f
}
