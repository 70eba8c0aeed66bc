package apigee_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	compile "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/schema"
)

// The OIDC probe: a compiled oidc product without jwksUri, end to end.
// Its identity provider is a probe of its own (<api>-idp) that serves a
// discovery document and a key set the test generated; the test signs
// RS256 tokens with the key, and the product's target is the faults
// probe's backend (502). It confirms the discovery path of
// docs/runtime.md (OIDC discovery: the ServiceCallout over verified TLS,
// ExtractVariables' JSONPath, the issuer compared in a condition literal
// with the document's, the jwks_uri scheme checked, VerifyJWT reading the
// key set from the discovered URI) and lingate's membership check on a
// real, RS256-signed groups claim in a compiled proxy: a member reaches
// the target (502 backend_error), a caller in no role gets 403, a bad
// token 401.

// oidcCall is one call of the probe: the groups claim of a token the test
// signs ("" sends a malformed token), and the answer.
type oidcCall struct {
	name   string
	groups []string
	status int
	code   string
}

var oidcCalls = []oidcCall{
	{"member", []string{"CN=ops,OU=eng,DC=example", "probe"}, 502, "backend_error"},
	{"no-role", []string{"CN=ops,OU=eng,DC=example"}, 403, "forbidden"},
	{"bad-token", nil, 401, "unauthenticated"},
}

// probeDocument is an AssignMessage that answers a JSON document; @ and #
// mark variables, so JSON braces stay literal.
type probeDocument struct {
	XMLName xml.Name `xml:"AssignMessage"`
	Name    string   `xml:"name,attr"`
	Payload struct {
		ContentType    string `xml:"contentType,attr"`
		VariablePrefix string `xml:"variablePrefix,attr"`
		VariableSuffix string `xml:"variableSuffix,attr"`
		Body           string `xml:",chardata"`
	} `xml:"Set>Payload"`
	Ignore bool `xml:"IgnoreUnresolvedVariables"`
}

func jsonDocument(name, body string) probeDocument {
	d := probeDocument{Name: name, Ignore: true}
	d.Payload.ContentType, d.Payload.VariablePrefix, d.Payload.VariableSuffix, d.Payload.Body = "application/json", "@", "#", body
	return d
}

// idpProbe is the identity provider called api on host: its discovery
// document names itself as the issuer and jwks as its key set.
func idpProbe(t testing.TB, api, host, jwks string) probeBundle {
	t.Helper()
	issuer := "https://" + host + "/" + api
	discovery, err := json.Marshal(map[string]string{"issuer": issuer, "jwks_uri": issuer + "/keys"})
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct{ flow, path, body string }{
		{"discovery", "/.well-known/openid-configuration", string(discovery)},
		{"keys", "/keys", jwks},
	}
	var flows []probeFlow
	for _, d := range docs {
		flows = append(flows, probeFlow{Name: d.flow, Condition: compile.PathCondition(d.path),
			Response: probeSteps{Steps: []probeStep{{Name: "AM-" + d.flow}}}})
	}
	b := newProbeBundle(t, api, probeEndpoint{Flows: flows, Routes: noTarget})
	for _, d := range docs {
		b.policy(t, "AM-"+d.flow, jsonDocument("AM-"+d.flow, d.body))
	}
	return b
}

// oidcConfig is the probe product called name, whose issuer is the
// identity provider https://<host>/<idp>, without jwksUri, and whose
// target is https://<host>/<backend>.
func oidcConfig(org, env, name, host, idp, backend string) *schema.Config {
	auth := schema.Auth{OIDC: &schema.OIDC{Issuer: "https://" + host + "/" + idp, Audience: "lingate", Claim: "groups"}}
	cfg := probeConfig(org, env, name, auth)
	cfg.Products[name].Target = &schema.Target{URL: "https://" + host + "/" + backend}
	return cfg
}

// rsaJWKS is a new RSA key and its public key set (one key, kid "probe").
func rsaJWKS(t testing.TB) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	jwk := map[string]string{"kty": "RSA", "kid": "probe", "use": "sig", "alg": "RS256",
		"n": enc.EncodeToString(key.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(key.E)).Bytes())}
	data, err := json.Marshal(map[string]any{"keys": []any{jwk}})
	if err != nil {
		t.Fatal(err)
	}
	return key, string(data)
}

// signRS256 is a JWT with claims, signed with key (kid "probe").
func signRS256(t testing.TB, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"probe"}`)) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(unsigned))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + enc.EncodeToString(sig)
}

// TestContractOIDCDiscovery deploys the OIDC probe and sends each call, on
// a real organization only (runtimeProbe).
func TestContractOIDCDiscovery(t *testing.T) {
	host, c := runtimeProbe(t)
	api := accName(t)
	idp, backend := api+"-idp", api+"-backend"
	key, jwks := rsaJWKS(t)
	c.deployProbe(t, idp, zipOf(t, idpProbe(t, idp, host, jwks)))
	c.deployProbe(t, backend, zipOf(t, backendProbe(t, backend)))
	_, z := compiledProbe(t, oidcConfig(c.org, c.env, api, host, idp, backend), api)
	c.deployProbe(t, api, z)
	for _, call := range oidcCalls {
		token := "not.a.jwt"
		if call.groups != nil {
			now := time.Now().Unix()
			token = signRS256(t, key, map[string]any{"iss": "https://" + host + "/" + idp, "aud": "lingate", "sub": "lingate-probe",
				"iat": now, "exp": now + 300, "groups": call.groups})
		}
		resp, body := probeCall(t, http.MethodGet, "https://"+host+"/"+api+"/anything", "", http.Header{"Authorization": {"Bearer " + token}})
		if resp.StatusCode != call.status {
			t.Errorf("%s: status %d, want %d: %s", call.name, resp.StatusCode, call.status, body)
			continue
		}
		wantTransformed(t, resp)
		wantErrorBody(t, body, call.status, call.code)
	}
}

// TestProbeTokensVerify checks the tokens the probes sign offline: an
// RS256 token against the public key rebuilt from the key set the
// identity provider probe serves, an HS256 token against its secret.
func TestProbeTokensVerify(t *testing.T) {
	key, jwks := rsaJWKS(t)
	var set struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(jwks), &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Kid != "probe" {
		t.Fatalf("key set %s", jwks)
	}
	n, errN := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	e, errE := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	if errN != nil || errE != nil {
		t.Fatalf("key set %s", jwks)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	token := signRS256(t, key, map[string]any{"sub": "x"})
	head, sig := splitToken(t, token)
	sum := sha256.Sum256([]byte(head))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("RS256 token does not verify with the served key: %v", err)
	}
	head, sig = splitToken(t, signHS256(t, "secret", map[string]any{"sub": "x"}))
	mac := hmac.New(sha256.New, []byte("secret"))
	mac.Write([]byte(head))
	if !hmac.Equal(mac.Sum(nil), sig) {
		t.Error("HS256 token does not verify with its secret")
	}
}

// splitToken is a JWT's signed part and its signature.
func splitToken(t *testing.T, token string) (string, []byte) {
	t.Helper()
	i := strings.LastIndex(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if i < 0 || err != nil || strings.Count(token, ".") != 2 {
		t.Fatalf("not a JWT: %d parts", strings.Count(token, ".")+1)
	}
	return token[:i], sig
}
