package apigee

import (
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestPathPattern(t *testing.T) {
	for in, want := range map[string]string{
		"/orders":               "/orders",
		"/orders/{id}":          "/orders/*",
		"/orders/{id}/items/**": "/orders/*/items/**",
		"/a/{x}/{y}":            "/a/*/*",
	} {
		if got := pathPattern(in); got != want {
			t.Errorf("pathPattern(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOperationsMostSpecificFirst(t *testing.T) {
	p := &schema.Product{Operations: []schema.Operation{
		{Path: "/a/**"}, {Path: "/a/{id}"}, {Path: "/a/b"}, {Path: "/c/*/*"}, {Path: "/a"},
	}}
	var got []int
	for _, o := range operations(p) {
		got = append(got, o.n)
	}
	if want := []int{3, 5, 2, 4, 1}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestFlowNames(t *testing.T) {
	for _, tt := range [][4]string{
		{"2", "GET", "/orders/{id}", "op2-get-orders-id"},
		{"1", "DELETE", "/", "op1-delete"},
		{"3", "POST", "/Bulk_Import/**", "op3-post-bulk-import"},
	} {
		n := int(tt[0][0] - '0')
		if got := flowName(n, tt[1], tt[2]); got != tt[3] {
			t.Errorf("flowName = %s, want %s", got, tt[3])
		}
	}
}

// twoRoles are r1 (GET with scope s, no quota) and r2 (POST, no scopes,
// 5/second).
func twoRoles() []member {
	return []member{
		{&schema.Role{Name: "r1"}, &schema.Grant{Methods: []string{"GET"}, Scopes: []string{"s"}}},
		{&schema.Role{Name: "r2"}, &schema.Grant{Methods: []string{"POST"}, Quota: &schema.Quota{Limit: 5, Per: "second"}}},
	}
}

func TestFlowsAdmitByOneGrant(t *testing.T) {
	p := &schema.Product{Operations: []schema.Operation{
		{Path: "/a", Methods: []string{"GET", "POST"}, Scopes: []string{"s"}},
		{Path: "/b", Methods: []string{"GET", "POST"}},
	}}
	fs, faults := flows(p, twoRoles())
	got := map[string][]string{}
	conds := map[string]bool{}
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
		got[f.Name] = stepNames(f.Request.Steps)
		if conds[f.Condition] {
			t.Errorf("condition %q twice", f.Condition)
		}
		conds[f.Condition] = true
	}
	wantNames := []string{"op1-get-a", "op1-post-a", "op1-head-a", "op2-get-b", "op2-post-b", "op2-head-b", "op1-405-a", "op2-405-b", "catch-all"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("flows %v, want %v", names, wantNames)
	}
	r1 := `AM-Grant-r1 if (lingate.member.r1 = "true") and (lingate.role = null)`
	r2 := `AM-Grant-r2 if (lingate.member.r2 = "true") and (lingate.role = null)`
	refuse := "RF-Forbidden if lingate.role = null"
	want := map[string][]string{
		"op1-get-a":  {r1, refuse},
		"op1-head-a": {r1, refuse},
		// r1 holds the scope but not the method, r2 the method but not
		// the scope: no grant authorises a POST to /a.
		"op1-post-a": {"RF-Forbidden"},
		"op2-post-b": {r2, refuse},
		"op1-405-a":  {"RF-NotAllowed-GET-HEAD-POST"},
		"catch-all":  {"RF-NotFound"},
	}
	for name, steps := range want {
		if !slices.Equal(got[name], steps) {
			t.Errorf("%s: steps %q, want %q", name, got[name], steps)
		}
	}
	if len(faults) != 1 || faults[0].name != "RF-NotAllowed-GET-HEAD-POST" {
		t.Errorf("405 policies %v, want one shared by both paths", faults)
	}
	if c := fs[0].Condition; c != `((proxy.pathsuffix MatchesPath "/a") or (proxy.pathsuffix MatchesPath "/a/")) and (request.verb = "GET")` {
		t.Errorf("condition %s: want /a with and without a trailing slash", c)
	}
}

func TestPathConditionKeepsRootAndRest(t *testing.T) {
	for in, want := range map[string]string{
		"/":      `(proxy.pathsuffix = "") or (proxy.pathsuffix = "/")`,
		"/a/**":  `proxy.pathsuffix MatchesPath "/a/**"`,
		"/a/*/b": `(proxy.pathsuffix MatchesPath "/a/*/b") or (proxy.pathsuffix MatchesPath "/a/*/b/")`,
	} {
		if got := pathCondition(in); got != want {
			t.Errorf("pathCondition(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCatchAllWithoutOperations(t *testing.T) {
	f := catchAll(&schema.Product{}, twoRoles())
	got := stepNames(f.Request.Steps)
	want := []string{
		`AM-Grant-r1 if (lingate.member.r1 = "true") and (lingate.role = null) and (request.verb ~~ "^(GET|HEAD)$")`,
		`AM-Grant-r2 if (lingate.member.r2 = "true") and (lingate.role = null) and (request.verb ~~ "^(POST)$")`,
		"RF-Forbidden if lingate.role = null",
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFaults(t *testing.T) {
	for _, tt := range []struct {
		f      policyFile
		status int
		body   string
		allow  string
	}{
		{forbidden(), 403, `{"status":403,"code":"forbidden","request_id":"@messageid#"}`, ""},
		{notFound(), 404, `{"status":404,"code":"not_found","request_id":"@messageid#"}`, ""},
		{methodNotAllowed([]string{"GET", "HEAD"}), 405, `{"status":405,"code":"method_not_allowed","request_id":"@messageid#"}`, "GET, HEAD"},
	} {
		out, err := marshalXML(tt.f.doc)
		if err != nil {
			t.Fatal(err)
		}
		var rf raiseFault
		decode(t, out, &rf)
		if rf.StatusCode != tt.status || rf.Payload.Body != tt.body || rf.Payload.ContentType != "application/json" ||
			rf.Payload.VariablePrefix != "@" || rf.Payload.VariableSuffix != "#" {
			t.Errorf("%s: %+v", tt.f.name, rf)
		}
		if allow := headerValue(headersOf(rf.Headers), "Allow"); allow != tt.allow {
			t.Errorf("%s: Allow %q, want %q", tt.f.name, allow, tt.allow)
		}
	}
}

// headerValue is the value of the header called name, "" when absent.
func headerValue(hs []header, name string) string {
	for _, h := range hs {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}
