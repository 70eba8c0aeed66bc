package apigee_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"testing"
	"time"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/internal/simulate/jsgroups"
	"github.com/lingate/lingate/schema"
)

// The groups probe: a proxy that verifies an HS256 JWT the test signs,
// with a VerifyJWT named as lingate names it, runs lingate's own
// membership check (JS-Groups and its script, from
// compile.MembershipOf) on the token's groups claim, and answers the
// claim as the script read it and the roles it marked. No identity
// provider: the test signs the token with a secret the probe holds. The
// test, not a GenerateJWT policy, writes the claim, so it is exactly the
// JSON an identity provider sends: GenerateJWT's documentation does not
// say how an array claim's items are given in a way that keeps an item
// holding a comma ("CN=x,OU=y") whole.

// probeRoles are the roles of the groups probe, each with one group an
// identity provider can send and a naive reading gets wrong.
var probeRoles = []*schema.Role{ // by name, as a compiled bundle lists them
	probeRole("alpha", "alpha"),
	probeRole("backslash", `dom\user`),
	probeRole("brackets", "[admin]"),
	probeRole("commas", "alpha,beta"),
	probeRole("ldap", "CN=ops,OU=eng,DC=example"),
	probeRole("ou", "OU=eng"), // a piece of the LDAP name: never a member by it
	probeRole("quote", `say "hi"`),
	probeRole("spaced", "alpha beta"),
	probeRole("unicode", "équipe-données"),
}

func probeRole(name, group string) *schema.Role {
	return &schema.Role{Name: name, Members: schema.Members{Claims: schema.Claims{Groups: []string{group}}}}
}

// probeAuth is the auth of the products whose membership check the probe
// holds: OpenID Connect, groups in the "groups" claim.
var probeAuth = schema.Auth{OIDC: &schema.OIDC{Issuer: "https://idp.example", Audience: "lingate", JWKSURI: "https://idp.example/keys", Claim: "groups"}}

// groupsCase is one token the probe is called with: its groups claim, and
// the roles lingate's check must mark (docs/policies.md, roles: a role's
// group must be, whole and exactly, one of the caller's;
// compile/apigee/jsc/groups.js for the forms of the claim it reads).
type groupsCase struct {
	name    string
	claim   any
	members []string // sorted
}

var groupsCases = []groupsCase{
	// A JSON array: each string item is one group, whatever it holds.
	{"array", []string{"CN=ops,OU=eng,DC=example", `say "hi"`, "[admin]", `dom\user`, "équipe-données", ""},
		[]string{"backslash", "brackets", "ldap", "quote", "unicode"}},
	// A string claim from a JWT is one group: spaces and commas do not
	// separate groups (only a developer app attribute is a list).
	{"string-spaced", "alpha beta", []string{"spaced"}},
	{"string-commas", "alpha,beta", []string{"commas"}},
	// A string that starts like a JSON array but is not one grants nothing.
	{"string-bracketed", "[admin]", nil},
}

// probeSecretVar holds the HS256 secret in the probe: a private. variable,
// which Apigee masks in traces.
const probeSecretVar = "private.lingate_probe_secret"

type probeVerifyJWT struct {
	XMLName   xml.Name `xml:"VerifyJWT"`
	Name      string   `xml:"name,attr"`
	Algorithm string   `xml:"Algorithm"`
	SecretKey struct {
		Encoding string `xml:"encoding,attr"`
		Value    struct {
			Ref string `xml:"ref,attr"`
		} `xml:"Value"`
	} `xml:"SecretKey"`
	TimeAllowance string `xml:"TimeAllowance"`
}

// groupsProbe is the groups probe called api, holding secret.
func groupsProbe(t testing.TB, api, secret string) probeBundle {
	t.Helper()
	m, err := compile.MembershipOf(probeAuth, probeRoles)
	if err != nil {
		t.Fatal(err)
	}
	b := newProbeBundle(t, api, probeEndpoint{
		PreFlow: probePhase{Name: "PreFlow", Request: probeSteps{Steps: []probeStep{
			{Name: "AM-ProbeSecret"}, {Name: m.Verifier}, {Name: "JS-Groups"}}}},
		PostFlow: probePhase{Name: "PostFlow", Response: probeSteps{Steps: []probeStep{{Name: "JS-Echo"}}}},
		Routes:   noTarget,
	})
	for _, f := range m.Files {
		b[f.Path] = string(f.Data)
	}
	b.policy(t, "AM-ProbeSecret", probeAssign{Name: "AM-ProbeSecret", Variables: []probeVariable{{Name: probeSecretVar, Value: secret}}})
	v := probeVerifyJWT{Name: m.Verifier, Algorithm: "HS256", TimeAllowance: "60s"}
	v.SecretKey.Encoding, v.SecretKey.Value.Ref = "utf8", probeSecretVar
	b.policy(t, m.Verifier, v)
	b.policy(t, "JS-Echo", probeScript{Name: "JS-Echo", TimeLimit: 200, ResourceURL: "jsc://probe-echo.js"})
	roles := make([][]string, len(probeRoles))
	for i, r := range probeRoles {
		roles[i] = []string{r.Name, compile.MemberVariable(r.Name)}
	}
	b["apiproxy/resources/jsc/probe-echo.js"] = scriptData(t, "source", m.Source, "roles", roles) + echoScript
	return b
}

// echoScript answers the claim as the membership script read it (the
// same String() of the variable) and the roles it marked, in order.
const echoScript = `// Answers, as JSON, the groups claim as the membership script read it
// and the roles it marked. The data above is the probe's own.
(function (source, roles) {
  "use strict";
  var members = [];
  var i;
  for (i = 0; i < roles.length; i++) {
    if (String(context.getVariable(roles[i][1])) === "true") {
      members.push(roles[i][0]);
    }
  }
  var raw = context.getVariable(source);
  var claim = raw === null || raw === undefined ? null : String(raw);
  context.setVariable("response.header.Content-Type", "application/json");
  context.setVariable("response.content", JSON.stringify({ claim: claim, members: members }));
}(source, roles));
`

// groupsAnswer is what the probe answers.
type groupsAnswer struct {
	Claim   *string  `json:"claim"`
	Members []string `json:"members"`
}

// signHS256 is a JWT with claims, signed with secret: what an identity
// provider sends, but for the algorithm.
func signHS256(t testing.TB, secret string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// TestContractGroupsClaim deploys the groups probe and calls it with each
// case's claim, on a real organization only (runtimeProbe).
func TestContractGroupsClaim(t *testing.T) {
	host, c := runtimeProbe(t)
	api, secret := accName(t), randomHex(t, 32)
	c.deployProbe(t, api, zipOf(t, groupsProbe(t, api, secret)))
	for _, tc := range groupsCases {
		now := time.Now().Unix()
		token := signHS256(t, secret, map[string]any{"sub": "lingate-probe", "iat": now, "exp": now + 300, "groups": tc.claim})
		resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api, "", http.Header{"Authorization": {"Bearer " + token}})
		var got groupsAnswer
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil {
			t.Errorf("%s: %d %s, want 200 and the probe's answer", tc.name, resp.StatusCode, body)
			continue
		}
		if got.Claim != nil {
			t.Logf("%s: the groups claim reads %q", tc.name, *got.Claim)
		}
		slices.Sort(got.Members)
		if !slices.Equal(got.Members, tc.members) {
			t.Errorf("%s: members %v, want %v", tc.name, got.Members, tc.members)
		}
	}
}

// TestGroupsCasesAgreeWithTheModel requires each case's expected members
// to be what lingate's model of the script (internal/simulate/jsgroups,
// itself held to the script under Node) marks for the claim as lingate
// assumes Apigee renders it in jwt.<policy>.decoded.claim.<claim>: an
// array as its JSON text, a string as itself. The runtime test then
// confirms the model and the rendering together.
func TestGroupsCasesAgreeWithTheModel(t *testing.T) {
	b := groupsProbe(t, "lingate-acc-groups", "secret")
	d, err := jsgroups.Parse([]byte(b["apiproxy/resources/jsc/lingate-groups.js"]))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range groupsCases {
		raw, ok := tc.claim.(string)
		if !ok {
			data, err := json.Marshal(tc.claim)
			if err != nil {
				t.Fatal(err)
			}
			raw = string(data)
		}
		if got := d.MembersFor(raw, true); !slices.Equal(got, tc.members) {
			t.Errorf("%s: the model marks %v, the probe expects %v", tc.name, got, tc.members)
		}
	}
}
