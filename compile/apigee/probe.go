package apigee

import (
	"fmt"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// The pieces of a compiled proxy whose runtime behaviour cannot be
// confirmed offline, for the runtime probes (internal/emulator/apigee,
// runtime_contract_test.go): they deploy these pieces, built by the same
// code as every bundle, in proxies of their own on a real Apigee
// (docs/runtime.md, "Not confirmed offline").

// Membership is the role membership check of a proxy: the JS-Groups
// policy and its script, which read the caller's groups from Source.
type Membership struct {
	Verifier string          // the authentication policy that sets Source (JWT-Verify for oidc)
	Source   string          // the variable holding the caller's groups
	Files    []artifact.File // the policy (apiproxy/policies/) and its script (apiproxy/resources/jsc/)
}

// MembershipOf is the membership check a product with auth compiles to,
// for roles (each a role granted on the product).
func MembershipOf(auth schema.Auth, roles []*schema.Role) (Membership, error) {
	id := authenticate(auth)
	ms := make([]member, len(roles))
	for i, r := range roles {
		ms[i] = member{role: r}
	}
	policy, err := marshalXML(groupsPolicy().doc)
	if err != nil {
		return Membership{}, fmt.Errorf("membership: %w", err)
	}
	return Membership{
		Verifier: id.steps[len(id.steps)-1].Name,
		Source:   id.groups,
		Files: []artifact.File{
			{Path: "apiproxy/policies/" + policyGroups + ".xml", Data: policy},
			{Path: groupsResourceFile, Data: groupsSource(id, ms)},
		},
	}, nil
}

// MemberVariable is the variable JS-Groups sets to "true" when the caller
// is a member of role.
func MemberVariable(role string) string { return memberVar(role) }

// PathCondition is the condition of an operation's flows on path (as
// declared, {param} and all), without the method.
func PathCondition(path string) string { return pathCondition(pathPattern(path)) }

// EqualsCondition is the condition that variable equals value, with value
// written as a literal as every condition of a bundle writes it.
func EqualsCondition(variable, value string) string { return equals(variable, value) }

// RenderXML renders a document as every XML file of a bundle is rendered:
// the XML declaration, indented, empty elements as <X/>, quotes in text
// as themselves.
func RenderXML(doc any) ([]byte, error) { return marshalXML(doc) }
