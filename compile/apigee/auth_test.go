package apigee

import (
	"fmt"
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
	byName := map[string]any{}
	for _, f := range id.policies {
		byName[f.name] = f.doc
	}
	if got := byName[policyVerifyJWT].(verifyJWT).JWKS; got != (jwks{URIRef: varJWKSURI}) {
		t.Errorf("JWKS %+v", got)
	}
	call := byName[policyCallDiscovery].(serviceCallout)
	if call.Connection.URL != "https://id.example/tenant/.well-known/openid-configuration" || call.Request.Verb != "GET" ||
		call.Connection.SSLInfo != (sslInfo{Enabled: true, Enforce: true}) || !call.ContinueOnError {
		t.Errorf("discovery call %+v: want GET over verified TLS, judged by the steps after it", call)
	}
	lookup, populate := byName[policyLookupJWKS].(lookupCache), byName[policyPopulateJWKS].(populateCache)
	if !reflect.DeepEqual(lookup.CacheKey, populate.CacheKey) || lookup.AssignTo != varJWKSURI || populate.Source != varJWKSURI {
		t.Errorf("cache policies disagree: %+v %+v", lookup, populate)
	}
	failed, remember := byName[policyLookupFailure].(lookupCache), byName[policyPopulateFailure].(populateCache)
	if !reflect.DeepEqual(failed.CacheKey, remember.CacheKey) || reflect.DeepEqual(failed.CacheKey, lookup.CacheKey) || remember.Timeout != discoveryFailureTTL {
		t.Errorf("failure cache policies: %+v %+v", failed, remember)
	}
	if id.groups != "jwt.JWT-Verify.decoded.claim.groups" {
		t.Errorf("default claim: groups %s", id.groups)
	}
	if steps := stepNames(id.steps); steps[len(steps)-1] != policyVerifyJWT {
		t.Errorf("steps %v: JWT-Verify must come last", steps)
	}
}

// discoveryWorld is what the discovery steps meet: the cache, and the
// provider's answer.
type discoveryWorld struct {
	cachedURI    string // the key set URI cached, "" for none
	failing      bool   // a failure is cached
	status       int    // the provider's status, 0 when unreachable
	issuer, jwks string // the document's fields
	calls        int
}

// runDiscovery runs the discovery steps against w, modelling each
// policy's effect, and returns the status (0: JWT-Verify reached) and the
// key set URI it would verify against.
func runDiscovery(t *testing.T, w *discoveryWorld) (int, string) {
	t.Helper()
	id := authenticate(schema.Auth{OIDC: &schema.OIDC{Issuer: "https://id.example", Audience: "a"}})
	s := &sim{t: t, vars: map[string]string{}, out: outcome{headers: map[string]string{}}}
	for _, st := range id.steps {
		if st.Condition != "" && !s.eval(st.Condition) {
			continue
		}
		switch st.Name {
		case policyLookupJWKS:
			s.vars["lookupcache."+policyLookupJWKS+".cachehit"] = fmt.Sprint(w.cachedURI != "")
			if w.cachedURI != "" {
				s.vars[varJWKSURI] = w.cachedURI
			}
		case policyLookupFailure:
			if w.failing {
				s.vars[varDiscoveryDown] = "1"
			}
		case policyCallDiscovery:
			w.calls++
			if w.status != 0 {
				s.vars[discoveryResponse+".status.code"] = fmt.Sprint(w.status)
				s.vars[discoveryResponse+".content"] = "{...}"
			}
		case policyExtractJWKS:
			s.vars[varDiscoveredIssuer], s.vars[varDiscoveredJWKS] = w.issuer, w.jwks
		case policyAcceptJWKS:
			for _, f := range id.policies {
				if f.name == st.Name {
					s.assign(f.doc.(assignMessage))
				}
			}
		case policyPopulateFailure:
			w.failing = true
		case policyPopulateJWKS:
			w.cachedURI = s.vars[varJWKSURI]
		case policyDiscoveryDown:
			return 503, ""
		case policyVerifyJWT:
			return 0, s.vars[varJWKSURI]
		default:
			t.Fatalf("no model of %s", st.Name)
		}
	}
	t.Fatal("discovery steps ended without JWT-Verify")
	return 0, ""
}

func TestOIDCDiscoveryAtRuntime(t *testing.T) {
	good := "https://id.example/keys"
	for _, tt := range []struct {
		name          string
		world         discoveryWorld
		status, calls int
		uri           string
		cached        string
		failing       bool
	}{
		{"cached", discoveryWorld{cachedURI: good}, 0, 0, good, good, false},
		{"discovered and cached", discoveryWorld{status: 200, issuer: "https://id.example", jwks: good}, 0, 1, good, good, false},
		{"another issuer's document", discoveryWorld{status: 200, issuer: "https://evil.example", jwks: good}, 503, 1, "", "", true},
		{"keys over plain http", discoveryWorld{status: 200, issuer: "https://id.example", jwks: "http://id.example/keys"}, 503, 1, "", "", true},
		{"provider down", discoveryWorld{status: 503}, 503, 1, "", "", true},
		{"provider unreachable", discoveryWorld{}, 503, 1, "", "", true},
		{"a cached failure makes no call", discoveryWorld{failing: true, status: 200, issuer: "https://id.example", jwks: good}, 503, 0, "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.world
			status, uri := runDiscovery(t, &w)
			if status != tt.status || uri != tt.uri || w.calls != tt.calls || w.cachedURI != tt.cached || w.failing != tt.failing {
				t.Errorf("status %d, key set %q, %d calls, cached %q, failure cached %v; want %d, %q, %d, %q, %v",
					status, uri, w.calls, w.cachedURI, w.failing, tt.status, tt.uri, tt.calls, tt.cached, tt.failing)
			}
		})
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
