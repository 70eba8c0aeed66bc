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

func TestPrecedencePutsTheLargestQuotaFirst(t *testing.T) {
	q := func(limit int, per string) *schema.Quota { return &schema.Quota{Limit: limit, Per: per} }
	ms := []member{
		{&schema.Role{Name: "a"}, &schema.Grant{Quota: q(10, "second")}},  // 600/minute
		{&schema.Role{Name: "b"}, &schema.Grant{}},                        // none: unlimited
		{&schema.Role{Name: "c"}, &schema.Grant{Quota: q(600, "minute")}}, // equal to a
		{&schema.Role{Name: "d"}, &schema.Grant{Quota: q(100000, "day")}}, // ~69/minute
		{&schema.Role{Name: "e"}, &schema.Grant{}},                        // none
		{&schema.Role{Name: "f"}, &schema.Grant{Quota: q(1, "month")}},    // smallest
	}
	got := roleNames(precedence(ms))
	want := []string{"b", "e", "a", "c", "d", "f"}
	if !slices.Equal(got, want) {
		t.Errorf("precedence = %v, want %v", got, want)
	}
}

func TestAuthorisesNeedsMethodAndScopeFromOneGrant(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	byName := map[string]member{}
	for _, m := range members(cfg, p) {
		byName[m.role.Name] = m
	}
	charges, refunds := &p.Operations[1], &p.Operations[3]
	for _, tt := range []struct {
		role   string
		op     *schema.Operation
		method string
		want   bool
	}{
		{"payments-reader", charges, "GET", true},
		{"payments-reader", charges, "HEAD", true}, // implied by GET
		{"payments-reader", charges, "POST", false},
		{"payments-writer", charges, "POST", true}, // no methods: all the product's
		{"payments-admin", refunds, "POST", false}, // neither method nor scope
		{"bulk", refunds, "POST", true},
		{"bulk", charges, "GET", false},
	} {
		if got := byName[tt.role].authorises(p, tt.op, tt.method); got != tt.want {
			t.Errorf("%s %s %s: authorises = %v, want %v", tt.role, tt.method, tt.op.Path, got, tt.want)
		}
	}
}

func TestGrantAssignmentRecordsRoleTierAndQuota(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	ms := members(cfg, p)
	got := map[string]string{}
	for _, v := range grantAssignment(p, ms[0], "caller.id").AssignVariables { // bulk
		got[v.Name] = v.Value + v.Template
	}
	want := map[string]string{
		"lingate.role":           "bulk",
		"lingate.tier":           "archive",
		"lingate.quota.limited":  "true",
		"lingate.quota.limit":    "600",
		"lingate.quota.timeunit": "minute",
		"lingate.quota.key":      "bulk:{caller.id}",
		"lingate.quota.rate":     "10ps",
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

func TestGrantPoliciesRefuseNonMembersInPreFlow(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	ms := members(cfg, p)
	files, steps := grantPolicies(p, ms, "c")
	if len(files) != len(ms)+1 || files[0].name != "AM-Grant-bulk" || files[len(ms)].name != policyMember {
		t.Fatalf("policies %v for %d roles", files, len(ms))
	}
	want := []string{
		`AM-Member if lingate.member.bulk = "true"`,
		`AM-Member if lingate.member.payments-admin = "true"`,
		`AM-Member if lingate.member.payments-reader = "true"`,
		`AM-Member if lingate.member.payments-writer = "true"`,
		`RF-Forbidden if lingate.member = null`,
	}
	if got := stepNames(steps); !slices.Equal(got, want) {
		t.Errorf("steps\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, steps := grantPolicies(p, nil, "c"); len(steps) != 1 || steps[0] != (step{Name: policyForbidden}) {
		t.Errorf("no roles: steps %+v, want an unconditional refusal", steps)
	}
}

func TestTierStepsFollowTheGrant(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	files, steps := tierPolicies(cfg.Environments["prod"], p, members(cfg, p))
	got := stepNames(steps)
	want := []string{
		`AM-Tier-archive if lingate.tier = "archive"`,
		`AM-Tier-fast if lingate.tier = "fast"`,
		`AM-Tier-standard if lingate.tier = "standard"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("tier steps\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(files) != 3 {
		t.Errorf("tier policies %v, want one per tier", files)
	}
}

func TestTierAssignmentHeaders(t *testing.T) {
	env := &schema.Environment{Name: "stg", Linstor: schema.LinstorTarget{ResourceGroupPrefix: "stg-"}}
	am := tierAssignment(env, "fast")
	if len(am.Set.Headers) != 2 || am.Set.Headers[0] != (header{storageTierTitle, "fast"}) || am.Set.Headers[1] != (header{resourceGroupTitle, "stg-fast"}) {
		t.Errorf("headers %+v", am.Set.Headers)
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
