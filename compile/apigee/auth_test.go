package apigee

import (
	"reflect"
	"slices"
	"testing"

	"github.com/lingate/lingate/schema"
)

func policyNames(files []policyFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.name)
	}
	return out
}

func TestOIDCWithJWKSURI(t *testing.T) {
	id := authenticate(schema.Auth{OIDC: &schema.OIDC{Issuer: "https://id.example/", Audience: "api://x", JWKSURI: "https://id.example/keys", Claim: "roles"}})
	if !slices.Equal(policyNames(id.policies), []string{policyVerifyJWT}) {
		t.Fatalf("policies %v", policyNames(id.policies))
	}
	v := id.policies[0].doc.(verifyJWT)
	if v.JWKS != (jwks{URI: "https://id.example/keys"}) || v.Issuer != "https://id.example/" || v.Audience != "api://x" || v.Algorithm != "RS256" {
		t.Errorf("VerifyJWT %+v", v)
	}
	if id.groups != "jwt.JWT-Verify.decoded.claim.roles" || id.caller != "jwt.JWT-Verify.claim.subject" {
		t.Errorf("groups %s, caller %s", id.groups, id.caller)
	}
}

func TestOIDCDiscoversTheKeySet(t *testing.T) {
	id := authenticate(schema.Auth{OIDC: &schema.OIDC{Issuer: "https://id.example/tenant/", Audience: "a"}})
	want := []string{policyLookupJWKS, policyCallDiscovery, policyExtractJWKS, policyPopulateJWKS, policyVerifyJWT}
	if !slices.Equal(policyNames(id.policies), want) {
		t.Fatalf("policies %v, want %v", policyNames(id.policies), want)
	}
	if got := id.policies[4].doc.(verifyJWT).JWKS; got != (jwks{URIRef: varJWKSURI}) {
		t.Errorf("JWKS %+v", got)
	}
	call := id.policies[1].doc.(serviceCallout)
	if call.URL != "https://id.example/tenant/.well-known/openid-configuration" || call.Request.Verb != "GET" {
		t.Errorf("discovery call %+v", call)
	}
	lookup, populate := id.policies[0].doc.(lookupCache), id.policies[3].doc.(populateCache)
	if !reflect.DeepEqual(lookup.CacheKey, populate.CacheKey) || lookup.AssignTo != varJWKSURI || populate.Source != varJWKSURI {
		t.Errorf("cache policies disagree: %+v %+v", lookup, populate)
	}
	if ev := id.policies[2].doc.(extractVariables); ev.Prefix+"."+ev.Variable.Name != varJWKSURI || ev.Source != call.Response {
		t.Errorf("extract %+v does not fill %s from %s", ev, varJWKSURI, call.Response)
	}
	if id.groups != "jwt.JWT-Verify.decoded.claim.groups" {
		t.Errorf("default claim: groups %s", id.groups)
	}
	steps := stepNames(id.steps)
	if len(steps) != 5 || steps[0] != policyLookupJWKS || steps[4] != policyVerifyJWT || !contains(steps[1:4], "cachehit = false") {
		t.Errorf("steps %v", steps)
	}
}

func TestAPIKeyIdentity(t *testing.T) {
	id := authenticate(schema.Auth{APIKey: &schema.KeyAuth{Claim: "team"}})
	v := id.policies[0].doc.(verifyAPIKey)
	if v.APIKey.Ref != "request.header.x-api-key" || id.groups != "verifyapikey.VA-Verify.app.team" || id.caller != "verifyapikey.VA-Verify.client_id" {
		t.Errorf("%+v %s %s", v, id.groups, id.caller)
	}
}

func TestAccessTokenIdentity(t *testing.T) {
	id := authenticate(schema.Auth{OAuth2: &schema.KeyAuth{}})
	v := id.policies[0].doc.(oauthV2)
	if v.Operation != "VerifyAccessToken" || id.groups != "app.groups" || id.caller != "client_id" {
		t.Errorf("%+v %s %s", v, id.groups, id.caller)
	}
}
