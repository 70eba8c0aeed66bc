package access_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/access"
)

// TestSameRows: a product's rows are known the same at two configurations
// only when what they read is equal at both (the product, the environment,
// the roles granting it, the tiers); the rows ComputeWhere leaves out are
// then exactly those, and the diff of what it keeps is the full diff.
func TestSameRows(t *testing.T) {
	role := `package policies
roles: reader: {
	members: claims: groups: ["support"]
	grants: pay: {scopes: ["read"], methods: ["GET"]}
	tier: "cold"
}
`
	other := `package policies
products: ship: {
	displayName: "Ship", basePath: "/ship/v1", environments: ["prod"]
	target: url: "https://ship.example"
	auth: apiKey: {}
	tier: "hot"
}
roles: shipper: {members: claims: groups: ["ship"], grants: ship: scopes: [], tier: "hot"}
`
	before := loadCUE(t, base, role, other)
	for _, tc := range []struct {
		name     string
		old, new string // in base, role and other
		samePay  bool
		sameShip bool
	}{
		{"nothing", "", "", true, true},
		{"a role of pay", `groups: ["support"]`, `groups: ["support", "ops"]`, false, true},
		{"a tier", `encrypted: true`, `encrypted: false`, false, false},
		{"the environment", `resourceGroupPrefix: "p-"`, `resourceGroupPrefix: "q-"`, false, false},
	} {
		after := before
		if tc.old != "" {
			edit := func(s string) string { return strings.Replace(s, tc.old, tc.new, 1) }
			after = loadCUE(t, edit(base), edit(role), edit(other))
		}
		same := access.NewSame(before, after)
		if got := same.Rows("prod", "pay"); got != tc.samePay {
			t.Errorf("%s: pay the same: %v, want %v", tc.name, got, tc.samePay)
		}
		if got := same.Rows("prod", "ship"); got != tc.sameShip {
			t.Errorf("%s: ship the same: %v, want %v", tc.name, got, tc.sameShip)
		}
		differs := func(env, product string) bool { return !same.Rows(env, product) }
		full := access.Diff(access.Compute(before, nil), access.Compute(after, nil))
		kept := access.Diff(access.ComputeWhere(before, nil, differs), access.ComputeWhere(after, nil, differs))
		if !reflect.DeepEqual(kept, full) {
			t.Errorf("%s: diff of the rows kept %v, full diff %v", tc.name, kept, full)
		}
	}
	if access.NewSame(nil, before).Rows("prod", "pay") {
		t.Error("a product is the same as at a commit with no policies")
	}
	if n := len(access.ComputeWhere(before, nil, func(_, p string) bool { return p == "ship" }).Rows); n == 0 || n == len(access.Compute(before, nil).Rows) {
		t.Errorf("ComputeWhere of ship alone: %d rows", n)
	}
}
