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

func TestFlowsCheckOnlyWhatIsNeeded(t *testing.T) {
	p := &schema.Product{Operations: []schema.Operation{
		{Path: "/a", Methods: []string{"GET", "POST"}, Scopes: []string{"s"}},
		{Path: "/b", Methods: []string{"GET"}},
	}}
	fs := flows(p, access{methods: []string{"POST"}, scoped: []int{1}})
	if len(fs) != 4 {
		t.Fatalf("%d flows, want 3 and the catch-all", len(fs))
	}
	got := map[string][]string{}
	conds := map[string]bool{}
	for _, f := range fs {
		got[f.Name] = stepNames(f.Request.Steps)
		if conds[f.Condition] {
			t.Errorf("condition %q twice", f.Condition)
		}
		conds[f.Condition] = true
	}
	want := map[string][]string{
		"op1-get-a":  {`RF-Forbidden if not (lingate.scope.op1 = "true")`},
		"op1-post-a": {`RF-Forbidden if not (lingate.method.POST = "true")`, `RF-Forbidden if not (lingate.scope.op1 = "true")`},
		"op2-get-b":  nil,
		"catch-all":  {"RF-NotFound"},
	}
	for name, steps := range want {
		if !slices.Equal(got[name], steps) {
			t.Errorf("%s: steps %q, want %q", name, got[name], steps)
		}
	}
	if last := fs[len(fs)-1]; last.Condition != "" || last.Name != catchAllFlowName {
		t.Errorf("last flow %+v", last)
	}
}

func TestCatchAllWithoutOperations(t *testing.T) {
	f := catchAll(&schema.Product{}, access{methods: []string{"DELETE"}})
	got := stepNames(f.Request.Steps)
	want := []string{
		`RF-Forbidden if (request.verb = "DELETE") and not (lingate.method.DELETE = "true")`,
		`RF-Forbidden if not (request.verb ~~ "^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$")`,
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
	}{
		{forbidden(), 403, `{"error":"forbidden",`},
		{notFound(), 404, `{"error":"not found",`},
	} {
		out, err := marshalXML(tt.f.doc)
		if err != nil {
			t.Fatal(err)
		}
		var rf raiseFault
		decode(t, out, &rf)
		if rf.StatusCode != tt.status || !strings.HasPrefix(rf.Payload.Body, tt.body) || rf.Payload.ContentType != "application/json" {
			t.Errorf("%s: %+v", tt.f.name, rf)
		}
	}
}
