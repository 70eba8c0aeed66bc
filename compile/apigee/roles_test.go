package apigee

import (
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

func roleNames(ms []member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.role.Name)
	}
	return out
}

func TestMembersAreSortedByName(t *testing.T) {
	cfg := richConfig()
	got := roleNames(members(cfg, cfg.Products["payments"]))
	want := []string{"bulk", "payments-admin", "payments-reader", "payments-writer"}
	if !slices.Equal(got, want) {
		t.Errorf("members = %v, want %v", got, want)
	}
}

func TestQuotaOrderPutsTheLargestLast(t *testing.T) {
	q := func(limit int, per string) *schema.Quota { return &schema.Quota{Limit: limit, Per: per} }
	ms := []member{
		{&schema.Role{Name: "a"}, &schema.Grant{Quota: q(10, "second")}},  // 600/minute
		{&schema.Role{Name: "b"}, &schema.Grant{}},                        // none: unlimited
		{&schema.Role{Name: "c"}, &schema.Grant{Quota: q(600, "minute")}}, // equal to a
		{&schema.Role{Name: "d"}, &schema.Grant{Quota: q(100000, "day")}}, // ~69/minute
		{&schema.Role{Name: "e"}, &schema.Grant{}},                        // none
		{&schema.Role{Name: "f"}, &schema.Grant{Quota: q(1, "month")}},    // smallest
	}
	got := roleNames(quotaOrder(ms))
	want := []string{"f", "d", "c", "a", "e", "b"}
	if !slices.Equal(got, want) {
		t.Errorf("quota order = %v, want %v", got, want)
	}
}

func TestAccessChecksOnlyWhatSomeRoleLacks(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	a := accessChecks(p, members(cfg, p))
	if want := []string{"DELETE", "GET", "POST"}; !slices.Equal(a.methods, want) {
		t.Errorf("methods checked = %v, want %v", a.methods, want)
	}
	// op1 (/charges/{id}: read or admin) bulk lacks; op2 (/charges: read or
	// write) every role holds; op3 has no scopes; op4 (write) reader and
	// admin lack.
	if want := []int{1, 4}; !slices.Equal(a.scoped, want) {
		t.Errorf("operations scope-checked = %v, want %v", a.scoped, want)
	}
	inv := cfg.Products["inventory"]
	if a := accessChecks(inv, members(cfg, inv)); len(a.methods)+len(a.scoped) != 0 {
		t.Errorf("inventory: no role restricts anything, yet checks %+v", a)
	}
}

func TestRoleAssignmentSetsTheRolesFlags(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	ms := members(cfg, p)
	a := accessChecks(p, ms)
	got := map[string]string{}
	for _, v := range roleAssignment(p, ms[0], a, "caller.id").AssignVariables { // bulk
		got[v.Name] = v.Value + v.Template
	}
	want := map[string]string{
		"lingate.role.bulk":      "true",
		"lingate.role":           "bulk",
		"lingate.quota.limited":  "true",
		"lingate.quota.limit":    "600",
		"lingate.quota.timeunit": "minute",
		"lingate.quota.key":      "bulk:{caller.id}",
		"lingate.method.POST":    "true",
		"lingate.scope.op4":      "true",
	}
	if len(got) != len(want) {
		t.Errorf("variables %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestRolePoliciesStepsInQuotaOrder(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	ms := members(cfg, p)
	files, steps := rolePolicies(p, ms, accessChecks(p, ms), "c")
	if len(files) != len(ms) {
		t.Fatalf("%d role policies for %d roles", len(files), len(ms))
	}
	var order []string
	for _, s := range steps {
		order = append(order, s.Name)
	}
	want := []string{"AM-Role-payments-reader", "AM-Role-payments-writer", "AM-Role-bulk", "AM-Role-payments-admin", policyForbidden}
	if !slices.Equal(order, want) {
		t.Errorf("steps %v, want %v", order, want)
	}
	// Each role runs for the members JS-Groups marked.
	if c := steps[0].Condition; c != `lingate.member.payments-reader = "true"` {
		t.Errorf("first role step condition %q", c)
	}
	if last := steps[len(steps)-1]; last.Condition != "lingate.role = null" {
		t.Errorf("forbidden step condition %q", last.Condition)
	}
}

func TestTierStepsFollowRoleNames(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	files, steps := tierPolicies(cfg.Environments["prod"], p, members(cfg, p))
	got := stepNames(steps)
	want := []string{
		`AM-Tier-archive if (lingate.role.bulk = "true") and (lingate.tier = null)`,
		`AM-Tier-archive if (lingate.role.payments-admin = "true") and (lingate.tier = null)`,
		`AM-Tier-standard if (lingate.role.payments-reader = "true") and (lingate.tier = null)`,
		`AM-Tier-fast if (lingate.role.payments-writer = "true") and (lingate.tier = null)`,
		`AM-Tier-standard if lingate.tier = null`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("tier steps\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var names []string
	for _, f := range files {
		names = append(names, f.name)
	}
	if want := []string{"AM-Tier-archive", "AM-Tier-fast", "AM-Tier-standard"}; !slices.Equal(names, want) {
		t.Errorf("tier policies %v, want %v", names, want)
	}
}

func TestTierAssignmentHeaders(t *testing.T) {
	env := &schema.Environment{Name: "stg", Linstor: schema.LinstorTarget{ResourceGroupPrefix: "stg-"}}
	am := tierAssignment(env, "fast")
	if len(am.Set.Headers) != 2 || am.Set.Headers[0] != (header{storageTierTitle, "fast"}) || am.Set.Headers[1] != (header{resourceGroupTitle, "stg-fast"}) {
		t.Errorf("headers %+v", am.Set.Headers)
	}
	if am.AssignVariables[0] != (assignVariable{Name: varTier, Value: "fast"}) {
		t.Errorf("variables %+v", am.AssignVariables)
	}
	if got := ResourceGroup(&schema.Environment{}, "fast"); got != "fast" {
		t.Errorf("ResourceGroup without prefix = %s", got)
	}
}

func TestRoleWithoutTierUsesTheProducts(t *testing.T) {
	p := &schema.Product{Tier: "standard"}
	if got := (member{&schema.Role{}, &schema.Grant{}}).tier(p); got != "standard" {
		t.Errorf("tier = %s", got)
	}
}
