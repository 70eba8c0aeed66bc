package apigee

import (
	"encoding/xml"
	"slices"
	"strconv"

	"github.com/lingate/lingate/schema"
)

// quotaPolicy is the Quota policy.
type quotaPolicy struct {
	XMLName     xml.Name   `xml:"Quota"`
	Name        string     `xml:"name,attr"`
	Allow       allow      `xml:"Allow"`
	Interval    refOrValue `xml:"Interval"`
	TimeUnit    refOrValue `xml:"TimeUnit"`
	Identifier  refOrValue `xml:"Identifier"`
	Distributed bool       `xml:"Distributed"`
	Synchronous bool       `xml:"Synchronous"`
}

// allow is a quota's count, literal or from a variable.
type allow struct {
	Count    int    `xml:"count,attr,omitempty"`
	CountRef string `xml:"countRef,attr,omitempty"`
}

// refOrValue reads a variable, falling back on a literal.
type refOrValue struct {
	Ref   string `xml:"ref,attr,omitempty"`
	Value string `xml:",chardata"`
}

// apigeeQuota is a quota as Apigee can count it: a count per one time
// unit. Apigee's units start at the minute, so a per-second quota is
// counted per minute, sixty times over.
func apigeeQuota(q *schema.Quota) (count int, unit string) {
	if q.Per == "second" {
		return q.Limit * 60, "minute"
	}
	return q.Limit, q.Per
}

// productQuota counts every caller's calls against the product's quota.
func productQuota(q *schema.Quota, caller string) policyFile {
	count, unit := apigeeQuota(q)
	return policyFile{policyProductQuota, quotaPolicy{
		Name:        policyProductQuota,
		Allow:       allow{Count: count},
		Interval:    refOrValue{Value: "1"},
		TimeUnit:    refOrValue{Value: unit},
		Identifier:  refOrValue{Ref: caller},
		Distributed: true,
		Synchronous: true,
	}}
}

// roleQuota counts a caller's calls against the quota of their role,
// which the role policies left in lingate.quota.*; the counter is keyed on
// role and caller.
func roleQuota() policyFile {
	return policyFile{policyRoleQuota, quotaPolicy{
		Name:        policyRoleQuota,
		Allow:       allow{CountRef: varQuotaLimit},
		Interval:    refOrValue{Value: "1"},
		TimeUnit:    refOrValue{Ref: varQuotaUnit, Value: "minute"},
		Identifier:  refOrValue{Ref: varQuotaKey},
		Distributed: true,
		Synchronous: true,
	}}
}

// quotaVariables are what a grant leaves for Q-Role: whether it has a
// quota, and if so its count, unit and counter key, and for a per-second
// quota the rate of SA-RoleRate.
func quotaVariables(m member, caller string) []assignVariable {
	q := m.grant.Quota
	if q == nil {
		return []assignVariable{{Name: varQuotaLimited, Value: "false"}}
	}
	count, unit := apigeeQuota(q)
	vars := []assignVariable{
		{Name: varQuotaLimited, Value: "true"},
		{Name: varQuotaLimit, Value: strconv.Itoa(count)},
		{Name: varQuotaUnit, Value: unit},
		{Name: varQuotaKey, Template: m.role.Name + ":{" + caller + "}"},
	}
	if q.Per == "second" {
		vars = append(vars, assignVariable{Name: varQuotaRate, Value: perSecond(q)})
	}
	return vars
}

// perSecond is a per-second quota as a SpikeArrest rate: "10ps".
func perSecond(q *schema.Quota) string { return strconv.Itoa(q.Limit) + "ps" }

// quotaPolicies returns the quotas that apply and their PostFlow steps:
// per-second quotas' SpikeArrests first, then the grant's quota, then the
// product's, so the product's counter, shared by every grant, does not
// count a request the grant's quota refuses.
func quotaPolicies(p *schema.Product, ms []member, caller string) ([]policyFile, []step) {
	var files []policyFile
	var rates, quotas []step
	if slices.ContainsFunc(ms, func(m member) bool { return m.grant.Quota != nil }) {
		files = append(files, roleQuota())
		quotas = append(quotas, step{Name: policyRoleQuota, Condition: isTrue(varQuotaLimited)})
	}
	if slices.ContainsFunc(ms, func(m member) bool { return m.grant.Quota != nil && m.grant.Quota.Per == "second" }) {
		files = append(files, rateArrest(policyRoleRate, refOrValue{Ref: varQuotaRate}, refOrValue{Ref: varQuotaKey}))
		rates = append(rates, step{Name: policyRoleRate, Condition: varQuotaRate + " != null"})
	}
	if p.Quota != nil {
		files = append(files, productQuota(p.Quota, caller))
		quotas = append(quotas, step{Name: policyProductQuota})
		if p.Quota.Per == "second" {
			files = append(files, rateArrest(policyProductRate, refOrValue{Value: perSecond(p.Quota)}, refOrValue{Ref: caller}))
			rates = append(rates, step{Name: policyProductRate})
		}
	}
	return files, append(rates, quotas...)
}

// rateArrest is the SpikeArrest paired with a per-second quota: Apigee
// counts that quota per minute, so without it a minute's allowance could
// arrive in one second. It counts per caller (and grant), like the quota.
func rateArrest(name string, rate, identifier refOrValue) policyFile {
	return policyFile{name, spikeArrest{Name: name, Rate: rate, Identifier: &identifier, UseEffectiveCount: true}}
}

// spikeArrest is the SpikeArrest policy.
type spikeArrest struct {
	XMLName           xml.Name    `xml:"SpikeArrest"`
	Name              string      `xml:"name,attr"`
	Identifier        *refOrValue `xml:"Identifier"`
	Rate              refOrValue  `xml:"Rate"`
	UseEffectiveCount bool        `xml:"UseEffectiveCount"`
}

// spikeArrestPolicy smooths traffic to rate ("100ps", "10pm").
func spikeArrestPolicy(rate string) policyFile {
	return policyFile{policySpikeArrest, spikeArrest{Name: policySpikeArrest, Rate: refOrValue{Value: rate}, UseEffectiveCount: true}}
}
