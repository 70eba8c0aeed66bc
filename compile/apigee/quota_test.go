package apigee

import (
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestApigeeQuotaUnits(t *testing.T) {
	tests := []struct {
		q     schema.Quota
		count int
		unit  string
	}{
		{schema.Quota{Limit: 5, Per: "second"}, 300, "minute"},
		{schema.Quota{Limit: 5, Per: "minute"}, 5, "minute"},
		{schema.Quota{Limit: 5, Per: "hour"}, 5, "hour"},
		{schema.Quota{Limit: 5, Per: "day"}, 5, "day"},
		{schema.Quota{Limit: 5, Per: "month"}, 5, "month"},
	}
	for _, tt := range tests {
		count, unit := apigeeQuota(&tt.q)
		if count != tt.count || unit != tt.unit {
			t.Errorf("%v: %d/%s, want %d/%s", tt.q, count, unit, tt.count, tt.unit)
		}
	}
}

func TestProductQuotaPolicy(t *testing.T) {
	f := productQuota(&schema.Quota{Limit: 20, Per: "second"}, "verifyapikey.VA-Verify.client_id")
	out, err := marshalXML(f.doc)
	if err != nil {
		t.Fatal(err)
	}
	want := xmlHeader + `<Quota name="Q-Product">
  <Allow count="1200"/>
  <Interval>1</Interval>
  <TimeUnit>minute</TimeUnit>
  <Identifier ref="verifyapikey.VA-Verify.client_id"/>
  <Distributed>true</Distributed>
  <Synchronous>true</Synchronous>
</Quota>
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestRoleQuotaReadsTheRolesVariables(t *testing.T) {
	q := roleQuota().doc.(quotaPolicy)
	if q.Allow.CountRef != varQuotaLimit || q.TimeUnit.Ref != varQuotaUnit || q.Identifier.Ref != varQuotaKey || !q.Distributed {
		t.Errorf("Q-Role = %+v", q)
	}
}

func TestQuotaPoliciesOnlyWhenDeclared(t *testing.T) {
	none := &schema.Product{}
	if files, steps := quotaPolicies(none, []member{{&schema.Role{Name: "r"}, &schema.Grant{}}}, "c"); len(files)+len(steps) != 0 {
		t.Errorf("no quotas declared, got %d policies", len(files))
	}
	p := &schema.Product{Quota: &schema.Quota{Limit: 1, Per: "day"}}
	ms := []member{{&schema.Role{Name: "a"}, &schema.Grant{Quota: &schema.Quota{Limit: 1, Per: "day"}}}, {&schema.Role{Name: "b"}, &schema.Grant{Quota: &schema.Quota{Limit: 1, Per: "hour"}}}}
	files, steps := quotaPolicies(p, ms, "c")
	if got := strings.Join(stepNames(steps), ", "); got != `Q-Product, Q-Role if lingate.quota.limited = "true"` || len(files) != 2 {
		t.Errorf("steps %s, %d policies", got, len(files))
	}
}

func TestQuotaVariablesOfARoleWithoutQuota(t *testing.T) {
	vars := quotaVariables(member{&schema.Role{Name: "r"}, &schema.Grant{}}, "c")
	if len(vars) != 1 || vars[0] != (assignVariable{Name: varQuotaLimited, Value: "false"}) {
		t.Errorf("variables %+v", vars)
	}
}

func TestSpikeArrestPolicy(t *testing.T) {
	sa := spikeArrestPolicy("10pm").doc.(spikeArrest)
	if sa.Rate != "10pm" || !sa.UseEffectiveCount || sa.Name != policySpikeArrest {
		t.Errorf("spike arrest %+v", sa)
	}
}
