package apigee

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// errorOutcome is the response the error flow leaves.
type errorOutcome struct {
	status  int
	headers map[string]string
	body    string
}

// simulateError runs the error flow of the payments proxy on a fault:
// vars are the fault variables Apigee sets (fault.name, <policy>.failed,
// response.status.code), status and body the response before the error
// flow. It follows Apigee: of the ProxyEndpoint's FaultRules, the last
// whose condition holds runs; then the DefaultFaultRule, which
// AlwaysEnforce runs in any case.
func simulateError(t *testing.T, files map[string][]byte, vars map[string]string, status int, body string) errorOutcome {
	t.Helper()
	s := &sim{t: t, files: files, vars: map[string]string{"messageid": "rrt-1"}, out: outcome{headers: map[string]string{}}}
	for k, v := range vars {
		s.vars[k] = v
	}
	out := errorOutcome{status: status, headers: s.out.headers, body: body}
	apply := func(name string) {
		var em errorMessage
		decode(t, policyXML(t, files, name), &em)
		if !strings.Contains(string(policyXML(t, files, name)), "<Payload") {
			var am assignMessage
			decode(t, policyXML(t, files, name), &am)
			s.assign(am)
			return
		}
		for _, v := range em.AssignVariables {
			s.vars[v.Name] = v.Value
		}
		for _, h := range headersOf(em.Headers) {
			out.headers[h.Name] = h.Value
		}
		if em.StatusCode != "" {
			out.status, _ = strconv.Atoi(em.StatusCode)
		}
		out.body = strings.NewReplacer("@messageid#", s.vars["messageid"], "@response.status.code#", strconv.Itoa(out.status)).Replace(em.Payload.Body)
	}
	pe := endpointOf(t, files)
	var chosen *faultRule
	for i, r := range pe.FaultRules {
		if s.eval(r.Condition) {
			chosen = &pe.FaultRules[i]
		}
	}
	if chosen != nil {
		for _, st := range chosen.Steps {
			apply(st.Name)
		}
	}
	if pe.DefaultRule == nil || !pe.DefaultRule.AlwaysEnforce {
		t.Fatal("no DefaultFaultRule with AlwaysEnforce")
	}
	s.vars["response.status.code"] = strconv.Itoa(out.status)
	for _, st := range pe.DefaultRule.Steps {
		if st.Condition == "" || s.eval(st.Condition) {
			apply(st.Name)
		}
	}
	return out
}

func TestErrorResponses(t *testing.T) {
	files, _ := mustBundle(t, richConfig(), "prod", "payments")
	// raised is the status and body of a RaiseFault, and the flow
	// variables it sets as it raises the fault, with those of vars.
	raised := func(rf string, vars map[string]string) (int, string, map[string]string) {
		var f raiseFault
		decode(t, policyXML(t, files, rf), &f)
		for _, v := range f.AssignVariables {
			vars[v.Name] = v.Value
		}
		return f.StatusCode, strings.ReplaceAll(f.Payload.Body, "@messageid#", "rrt-1"), vars
	}
	forbiddenStatus, forbiddenBody, forbiddenVars := raised(policyForbidden, map[string]string{"fault.name": "RaiseFault"})
	// Apigee's documents also read as if fault.name were the policy's name.
	_, _, namedVars := raised(policyForbidden, map[string]string{"fault.name": policyForbidden})
	tests := []struct {
		name       string
		vars       map[string]string
		status     int
		body       string
		wantStatus int
		wantCode   string
		keepsBody  bool
		challenge  string
	}{
		{"token refused", map[string]string{"fault.name": "InvalidToken", "jwt.JWT-Verify.failed": "true"}, 401, "{internal}", 401, "unauthenticated", false, `Bearer realm="payments"`},
		{"quota", map[string]string{"fault.name": "QuotaViolation"}, 500, `{"fault":"Q-Role payments-reader"}`, 429, "rate_limited", false, ""},
		{"spike arrest", map[string]string{"fault.name": "SpikeArrestViolation"}, 500, "{}", 429, "rate_limited", false, ""},
		{"our own 403", forbiddenVars, forbiddenStatus, forbiddenBody, 403, "forbidden", true, ""},
		{"our own 403, fault.name the policy's", namedVars, forbiddenStatus, forbiddenBody, 403, "forbidden", true, ""},
		{"backend 502", map[string]string{"fault.name": "ErrorResponseCode"}, 502, "<html>stack trace</html>", 502, "backend_error", false, ""},
		{"backend 404 keeps its body", map[string]string{"fault.name": "ErrorResponseCode"}, 404, `{"detail":"no such charge"}`, 404, "", true, ""},
		{"any other fault", map[string]string{"fault.name": "ScriptExecutionFailed"}, 500, "{js error in JS-Groups}", 500, "internal", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := simulateError(t, files, tt.vars, tt.status, tt.body)
			if got.status != tt.wantStatus {
				t.Errorf("status %d, want %d", got.status, tt.wantStatus)
			}
			if got.headers["Cache-Control"] != "no-store" {
				t.Errorf("headers %v: the response transforms did not run", got.headers)
			}
			if got.headers["WWW-Authenticate"] != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got.headers["WWW-Authenticate"], tt.challenge)
			}
			if tt.keepsBody && tt.wantCode == "" {
				if got.body != tt.body {
					t.Errorf("body %s, want the backend's", got.body)
				}
				return
			}
			var e struct {
				Status    int    `json:"status"`
				Code      string `json:"code"`
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal([]byte(got.body), &e); err != nil || e.Status != tt.wantStatus || e.Code != tt.wantCode || e.RequestID != "rrt-1" {
				t.Errorf("body %s: want status %d, code %s, request id rrt-1", got.body, tt.wantStatus, tt.wantCode)
			}
			if strings.Contains(got.body, "Q-") || strings.Contains(got.body, "payments-reader") || strings.Contains(got.body, "JS-") {
				t.Errorf("body %s names a policy or a role", got.body)
			}
		})
	}
}

func TestEveryTargetHasTheDefaultFaultRule(t *testing.T) {
	files, _ := mustBundle(t, richConfig(), "prod", "payments")
	pe := endpointOf(t, files)
	n := 0
	for path, data := range files {
		if !strings.HasPrefix(path, "apiproxy/targets/") {
			continue
		}
		n++
		var te targetEndpoint
		decode(t, data, &te)
		if te.DefaultRule == nil || !te.DefaultRule.AlwaysEnforce || len(te.DefaultRule.Steps) != len(pe.DefaultRule.Steps) {
			t.Errorf("%s: DefaultFaultRule %+v, want the ProxyEndpoint's", path, te.DefaultRule)
		}
	}
	if n != 3 {
		t.Errorf("%d targets, want 3", n)
	}
}

func TestAuthChallenges(t *testing.T) {
	cfg := richConfig()
	for product, want := range map[string]string{
		"payments":  `Bearer realm="payments"`,
		"inventory": `APIKey realm="inventory", header="x-api-key"`,
		"reports":   `Bearer realm="reports"`,
	} {
		_, challenge := authFailed(cfg.Products[product])
		if challenge != want {
			t.Errorf("%s: challenge %s, want %s", product, challenge, want)
		}
	}
}
