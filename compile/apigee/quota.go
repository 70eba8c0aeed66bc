package apigee

import (
	"encoding/xml"
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

// quotaVariables are what a role's members leave for Q-Role: whether the
// role has a quota, and if so its count, unit and counter key.
func quotaVariables(m member, caller string) []assignVariable {
	if m.grant.Quota == nil {
		return []assignVariable{{Name: varQuotaLimited, Value: "false"}}
	}
	count, unit := apigeeQuota(m.grant.Quota)
	return []assignVariable{
		{Name: varQuotaLimited, Value: "true"},
		{Name: varQuotaLimit, Value: strconv.Itoa(count)},
		{Name: varQuotaUnit, Value: unit},
		{Name: varQuotaKey, Template: m.role.Name + ":{" + caller + "}"},
	}
}

// quotaPolicies returns the product and role quotas that apply, and their
// PostFlow steps.
func quotaPolicies(p *schema.Product, ms []member, caller string) ([]policyFile, []step) {
	var files []policyFile
	var steps []step
	if p.Quota != nil {
		files = append(files, productQuota(p.Quota, caller))
		steps = append(steps, step{Name: policyProductQuota})
	}
	for _, m := range ms {
		if m.grant.Quota != nil {
			files = append(files, roleQuota())
			steps = append(steps, step{Name: policyRoleQuota, Condition: isTrue(varQuotaLimited)})
			break
		}
	}
	return files, steps
}

// spikeArrest is the SpikeArrest policy.
type spikeArrest struct {
	XMLName           xml.Name `xml:"SpikeArrest"`
	Name              string   `xml:"name,attr"`
	Rate              string   `xml:"Rate"`
	UseEffectiveCount bool     `xml:"UseEffectiveCount"`
}

// spikeArrestPolicy smooths traffic to rate ("100ps", "10pm").
func spikeArrestPolicy(rate string) policyFile {
	return policyFile{policySpikeArrest, spikeArrest{Name: policySpikeArrest, Rate: rate, UseEffectiveCount: true}}
}
