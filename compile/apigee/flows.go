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

// operationCondition selects requests for one path and method.
func operationCondition(pattern, method string) string {
	return and("proxy.pathsuffix MatchesPath "+literal(pattern), equals("request.verb", method))
}

// flowName names an operation's flow readably: "op2-get-orders-id".
func flowName(n int, method, path string) string {
	name := "op" + strconv.Itoa(n) + "-" + strings.ToLower(method)
	if s := slug(path); s != "" {
		name += "-" + s
	}
	return name
}

// flows returns one flow per operation and method, each refusing callers
// whose roles lack the method or the operation's scopes, then the
// unconditional flow last.
func flows(p *schema.Product, a access) []flow {
	var fs []flow
	for _, o := range operations(p) {
		for _, m := range o.op.Methods {
			f := flow{Name: flowName(o.n, m, o.op.Path), Condition: operationCondition(o.pattern, m)}
			if slices.Contains(a.methods, m) {
				f.Request.Steps = append(f.Request.Steps, step{Name: policyForbidden, Condition: not(isTrue(methodVar(m)))})
			}
			if slices.Contains(a.scoped, o.n) {
				f.Request.Steps = append(f.Request.Steps, step{Name: policyForbidden, Condition: not(isTrue(scopeVar(o.n)))})
			}
			fs = append(fs, f)
		}
	}
	return append(fs, catchAll(p, a))
}

// catchAll is the last, unconditional flow. With operations declared it
// answers 404 to anything else; without, it refuses methods the caller's
// roles do not allow and methods the policy language does not know.
func catchAll(p *schema.Product, a access) flow {
	f := flow{Name: catchAllFlowName}
	if len(p.Operations) > 0 {
		f.Request.Steps = []step{{Name: policyNotFound}}
		return f
	}
	for _, m := range a.methods {
		f.Request.Steps = append(f.Request.Steps, step{Name: policyForbidden, Condition: and(equals("request.verb", m), not(isTrue(methodVar(m))))})
	}
	known := fmt.Sprintf(`request.verb ~~ "^(%s)$"`, strings.Join(allMethods, "|"))
	f.Request.Steps = append(f.Request.Steps, step{Name: policyForbidden, Condition: not(known)})
	return f
}

// raiseFault is the RaiseFault policy with a JSON error body.
type raiseFault struct {
	XMLName                   xml.Name `xml:"RaiseFault"`
	Name                      string   `xml:"name,attr"`
	Payload                   payload  `xml:"FaultResponse>Set>Payload"`
	StatusCode                int      `xml:"FaultResponse>Set>StatusCode"`
	ReasonPhrase              string   `xml:"FaultResponse>Set>ReasonPhrase"`
	IgnoreUnresolvedVariables bool     `xml:"IgnoreUnresolvedVariables"`
}

// payload is a response body and its content type.
type payload struct {
	ContentType string `xml:"contentType,attr"`
	Body        string `xml:",chardata"`
}

// fault answers with status and a JSON body naming the error.
func fault(name string, status int, reason, message string) policyFile {
	body := fmt.Sprintf(`{"error":%q,"message":%q}`, strings.ToLower(reason), message)
	return policyFile{name, raiseFault{
		Name:                      name,
		Payload:                   payload{ContentType: "application/json", Body: body},
		StatusCode:                status,
		ReasonPhrase:              reason,
		IgnoreUnresolvedVariables: true,
	}}
}

// forbidden refuses callers whose roles do not allow the request.
func forbidden() policyFile {
	return fault(policyForbidden, 403, "Forbidden", "none of the caller's roles allows this request")
}

// notFound answers requests that no declared operation matches.
func notFound() policyFile {
	return fault(policyNotFound, 404, "Not Found", "no operation of this API matches the request")
}
