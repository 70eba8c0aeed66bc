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
	if got := strings.Join(stepNames(steps), ", "); got != `Q-Role if lingate.quota.limited = "true", Q-Product` || len(files) != 2 {
		t.Errorf("steps %s, %d policies: want the grant's quota before the product's", got, len(files))
	}
}

func TestPerSecondQuotasArePairedWithASpikeArrest(t *testing.T) {
	p := &schema.Product{Quota: &schema.Quota{Limit: 20, Per: "second"}}
	ms := []member{{&schema.Role{Name: "a"}, &schema.Grant{Quota: &schema.Quota{Limit: 3, Per: "second"}}}}
	files, steps := quotaPolicies(p, ms, "client_id")
	want := `SA-RoleRate if lingate.quota.rate != null, SA-ProductRate, Q-Role if lingate.quota.limited = "true", Q-Product`
	if got := strings.Join(stepNames(steps), ", "); got != want {
		t.Errorf("steps %s, want %s", got, want)
	}
	byName := map[string]any{}
	for _, f := range files {
		byName[f.name] = f.doc
	}
	product := byName[policyProductRate].(spikeArrest)
	if product.Rate.Value != "20ps" || product.Identifier.Ref != "client_id" {
		t.Errorf("SA-ProductRate %+v, want 20ps per caller", product)
	}
	role := byName[policyRoleRate].(spikeArrest)
	if role.Rate.Ref != varQuotaRate || role.Identifier.Ref != varQuotaKey {
		t.Errorf("SA-RoleRate %+v, want the grant's rate per role and caller", role)
	}
	vars := quotaVariables(ms[0], "client_id")
	if last := vars[len(vars)-1]; last != (assignVariable{Name: varQuotaRate, Value: "3ps"}) {
		t.Errorf("grant variables %+v, want the rate 3ps last", vars)
	}
	perMinute := []member{{&schema.Role{Name: "b"}, &schema.Grant{Quota: &schema.Quota{Limit: 3, Per: "minute"}}}}
	if _, steps := quotaPolicies(&schema.Product{}, perMinute, "c"); len(steps) != 1 {
		t.Errorf("per-minute quota: steps %v, want Q-Role alone", stepNames(steps))
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
	if sa.Rate.Value != "10pm" || sa.Identifier != nil || !sa.UseEffectiveCount || sa.Name != policySpikeArrest {
		t.Errorf("spike arrest %+v", sa)
	}
}
