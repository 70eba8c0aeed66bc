package apigee

import (
	"encoding/xml"
	"strings"

	"github.com/lingate/lingate/schema"
)

// identity is how a product authenticates callers: the policies and PreFlow
// steps that verify them, and the variables that then name the caller and
// hold their groups.
type identity struct {
	policies []policyFile
	steps    []step
	groups   string // variable holding the caller's groups
	listed   bool   // whether groups may be a comma-separated list (a developer app attribute)
	caller   string // variable identifying the caller, for quota counters
}

// authenticate builds the product's identity check from its one auth kind.
func authenticate(a schema.Auth) identity {
	switch {
	case a.OIDC != nil:
		return oidcIdentity(a.OIDC)
	case a.APIKey != nil:
		return apiKeyIdentity(a.APIKey.Claim)
	default:
		return accessTokenIdentity(a.Claim())
	}
}

// verifyJWT is the VerifyJWT policy for OpenID Connect tokens.
type verifyJWT struct {
	XMLName       xml.Name `xml:"VerifyJWT"`
	Name          string   `xml:"name,attr"`
	Algorithm     string   `xml:"Algorithm"`
	JWKS          jwks     `xml:"PublicKey>JWKS"`
	Issuer        string   `xml:"Issuer"`
	Audience      string   `xml:"Audience"`
	TimeAllowance string   `xml:"TimeAllowance"`
}

// jwks locates the issuer's keys: at a fixed URI, or at the URI a
// variable holds.
type jwks struct {
	URI    string `xml:"uri,attr,omitempty"`
	URIRef string `xml:"uriRef,attr,omitempty"`
}

// jwtAlgorithm is the signature algorithm accepted; RS256 is the one
// every OpenID provider must support.
const jwtAlgorithm = "RS256"

// oidcIdentity verifies a bearer JWT from the issuer, against the key set
// at jwksUri, or at the one the issuer's discovery document names.
func oidcIdentity(o *schema.OIDC) identity {
	id := identity{
		groups: "jwt." + policyVerifyJWT + ".decoded.claim." + claimOrDefault(o.Claim),
		caller: "jwt." + policyVerifyJWT + ".claim.subject",
	}
	v := verifyJWT{Name: policyVerifyJWT, Algorithm: jwtAlgorithm, Issuer: o.Issuer, Audience: o.Audience, TimeAllowance: "60s"}
	if o.JWKSURI != "" {
		v.JWKS.URI = o.JWKSURI
	} else {
		id.policies, id.steps = discovery(o.Issuer)
		v.JWKS.URIRef = varJWKSURI
	}
	id.policies = append(id.policies, policyFile{policyVerifyJWT, v})
	id.steps = append(id.steps, step{Name: policyVerifyJWT})
	return id
}

// verifyAPIKey is the VerifyAPIKey policy.
type verifyAPIKey struct {
	XMLName xml.Name `xml:"VerifyAPIKey"`
	Name    string   `xml:"name,attr"`
	APIKey  struct {
		Ref string `xml:"ref,attr"`
	} `xml:"APIKey"`
}

// apiKeyHeader carries the caller's API key.
const apiKeyHeader = "x-api-key"

// apiKeyIdentity verifies the API key in the x-api-key header; the groups
// are the developer app's attribute named claim.
func apiKeyIdentity(claim string) identity {
	v := verifyAPIKey{Name: policyVerifyAPIKey}
	v.APIKey.Ref = "request.header." + apiKeyHeader
	prefix := "verifyapikey." + policyVerifyAPIKey + "."
	return identity{
		policies: []policyFile{{policyVerifyAPIKey, v}},
		steps:    []step{{Name: policyVerifyAPIKey}},
		groups:   prefix + "app." + claimOrDefault(claim),
		listed:   true,
		caller:   prefix + "client_id",
	}
}

// oauthV2 is the OAuthV2 policy, here only verifying access tokens.
type oauthV2 struct {
	XMLName   xml.Name `xml:"OAuthV2"`
	Name      string   `xml:"name,attr"`
	Operation string   `xml:"Operation"`
}

// accessTokenIdentity verifies an Apigee OAuth 2 access token in the
// Authorization header; the groups are the developer app's attribute named
// claim.
func accessTokenIdentity(claim string) identity {
	return identity{
		policies: []policyFile{{policyVerifyToken, oauthV2{Name: policyVerifyToken, Operation: "VerifyAccessToken"}}},
		steps:    []step{{Name: policyVerifyToken}},
		groups:   "app." + claimOrDefault(claim),
		listed:   true,
		caller:   "client_id",
	}
}

// claimOrDefault is claim, or the language's default claim when a Config
// built in Go left it empty.
func claimOrDefault(claim string) string {
	if claim == "" {
		return schema.DefaultClaim
	}
	return claim
}

// discoveryDocument is where an OpenID provider publishes its metadata,
// relative to its issuer URL (OpenID Connect Discovery 1.0, section 4).
const discoveryDocument = "/.well-known/openid-configuration"

// discoveryURL is the issuer's discovery document.
func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + discoveryDocument
}
