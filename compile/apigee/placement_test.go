package apigee

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

// placementConfig is richConfig with placement: prod fails closed, edge
// (a copy of prod) falls back to the default target; payments keys on a
// JWT claim and names node backends, inventory on a header, reports on a
// path segment.
func placementConfig() *schema.Config {
	cfg := richConfig()
	prod := cfg.Environments["prod"]
	prod.Placement = &schema.PlacementService{URL: "https://lingate.internal.example.com/", Timeout: "250ms", CacheTTL: "20s", OnFailure: schema.PlacementFailClosed}
	edge := *prod
	edge.Name = "edge"
	edge.Placement = &schema.PlacementService{URL: "https://lingate.internal.example.com", Timeout: "500ms", CacheTTL: "30s", OnFailure: schema.PlacementDefaultTarget}
	cfg.Environments["edge"] = &edge
	seg := 1
	pay := cfg.Products["payments"]
	pay.Placement = &schema.Placement{Key: schema.PlacementKey{Claim: "sub"}}
	pay.Target.Nodes = map[string]*schema.Target{"node-a": {URL: "https://a.payments.internal.example.com"}, "node-b": {Server: "payments-b"}}
	pay.Targets["fast"].Nodes = map[string]*schema.Target{"node-a": {URL: "https://a.fast.payments.internal.example.com"}}
	cfg.Products["inventory"].Placement = &schema.Placement{Key: schema.PlacementKey{Header: "X-Account"}}
	cfg.Products["reports"].Placement = &schema.Placement{Key: schema.PlacementKey{PathSegment: &seg}}
	for _, p := range []string{"payments", "inventory", "reports"} {
		cfg.Products[p].Environments = append(cfg.Products[p].Environments, "edge")
	}
	return cfg
}

// TestPlacementPolicies: the lookup runs after the tier is known, calls
// the service only on a cache miss with the configured timeout and the
// token from the KVM, caches the answer for cacheTTL, fails closed in prod
// and sets the headers the target reads.
func TestPlacementPolicies(t *testing.T) {
	files, _ := mustBundle(t, placementConfig(), "prod", "payments")
	var pe proxyEndpoint
	decode(t, files["apiproxy/proxies/default.xml"], &pe)
	var names []string
	for _, s := range pe.PostFlow.Request.Steps {
		names = append(names, s.Name)
	}
	lastTier := slices.IndexFunc(names, func(n string) bool { return strings.HasPrefix(n, "AM-Tier-") })
	for i := lastTier; i < len(names) && strings.HasPrefix(names[i], "AM-Tier-"); i++ {
		lastTier = i
	}
	want := []string{policyPlacementKey, policyPlacementLookup, policyPlacementToken, policyPlacementCall, policyPlacementExtract,
		policyPlacementAnswer, policyPlacementPopulate, policyPlacementCached, policyPlacementNoKey, policyPlacementFailed, policyPlacementHeaders}
	if got := names[lastTier+1:]; !slices.Equal(got, want) {
		t.Fatalf("PostFlow after the tier policies: %v\nwant %v", got, want)
	}
	// The faults answer with the uniform error body (docs/runtime.md).
	for name, want := range map[string]string{
		policyPlacementNoKey:  `{"status":400,"code":"placement_key_missing","request_id":"@messageid#"}`,
		policyPlacementFailed: `{"status":503,"code":"placement_unavailable","request_id":"@messageid#"}`,
	} {
		var rf raiseFault
		decode(t, policyXML(t, files, name), &rf)
		if rf.Payload.Body != want {
			t.Errorf("%s body %s, want %s", name, rf.Payload.Body, want)
		}
	}
	for _, s := range pe.PostFlow.Request.Steps {
		if s.Name == policyPlacementCall && !strings.Contains(s.Condition, "cachehit = false") {
			t.Errorf("the callout runs on %q (expected only on a cache miss)", s.Condition)
		}
	}

	var call placementCallout
	decode(t, policyXML(t, files, policyPlacementCall), &call)
	if call.Timeout != 250 || call.URL != "https://lingate.internal.example.com/v1/placement" || !call.ContinueOnError {
		t.Errorf("callout %+v", call)
	}
	q := map[string]string{}
	for _, h := range call.Request.QueryParams {
		q[h.Name] = h.Value
	}
	if q["env"] != "prod" || q["tier"] != "{lingate.tier}" || q["key"] != "{lingate.placement.key}" {
		t.Errorf("query %v", q)
	}
	if len(call.Request.Headers) != 1 || call.Request.Headers[0].Value != "Bearer {private.lingate.placement.token}" {
		t.Errorf("headers %v (expected the token from a private variable)", call.Request.Headers)
	}
	var lc lookupCache
	var pc populateCache
	decode(t, policyXML(t, files, policyPlacementLookup), &lc)
	decode(t, policyXML(t, files, policyPlacementPopulate), &pc)
	if !reflect.DeepEqual(lc.CacheKey, pc.CacheKey) || pc.Timeout != 20 {
		t.Errorf("lookup key %+v, populate %+v (expected the same key, kept 20 s)", lc.CacheKey, pc)
	}
	var key assignMessage
	decode(t, policyXML(t, files, policyPlacementKey), &key)
	if len(key.AssignVariables) != 1 || key.AssignVariables[0].Ref != "jwt.JWT-Verify.decoded.claim.sub" || key.Remove == nil {
		t.Errorf("key policy %+v", key)
	}
	var hdr assignMessage
	decode(t, policyXML(t, files, policyPlacementHeaders), &hdr)
	if hdr.Set == nil || !slices.Equal(hdr.Set.Headers, []header{{Name: "X-Lingate-Node", Value: "{lingate.placement.node}"}, {Name: "X-Lingate-Volume", Value: "{lingate.placement.resource}"}}) {
		t.Errorf("headers policy %+v", hdr)
	}
}

// TestPlacementRoutes: a tier's node backends come before the tier rules,
// the any-tier ones after them, so a tier with its own backend keeps it.
func TestPlacementRoutes(t *testing.T) {
	files, _ := mustBundle(t, placementConfig(), "prod", "payments")
	var pe proxyEndpoint
	decode(t, files["apiproxy/proxies/default.xml"], &pe)
	var got []string
	for _, r := range pe.RouteRules {
		got = append(got, r.TargetEndpoint+" if "+r.Condition)
	}
	want := []string{
		`tier-fast-node-node-a if (lingate.tier = "fast") and (lingate.placement.node = "node-a")`,
		`tier-archive if lingate.tier = "archive"`,
		`tier-fast if lingate.tier = "fast"`,
		`node-node-a if lingate.placement.node = "node-a"`,
		`node-node-b if lingate.placement.node = "node-b"`,
		`default if `,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("route rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, name := range []string{"node-node-a", "node-node-b", "tier-fast-node-node-a"} {
		if _, ok := files["apiproxy/targets/"+name+".xml"]; !ok {
			t.Errorf("no TargetEndpoint %s", name)
		}
	}
}

// TestPlacementFallback: with onFailure default-target there is no fault:
// a call without an answer takes the ordinary routes.
func TestPlacementFallback(t *testing.T) {
	files, _ := mustBundle(t, placementConfig(), "edge", "inventory")
	for _, rf := range []string{policyPlacementNoKey, policyPlacementFailed} {
		if _, ok := files["apiproxy/policies/"+rf+".xml"]; ok {
			t.Errorf("%s in a default-target environment", rf)
		}
	}
	var key assignMessage
	decode(t, policyXML(t, files, policyPlacementKey), &key)
	if key.AssignVariables[0].Ref != "request.header.X-Account" {
		t.Errorf("key from %q", key.AssignVariables[0].Ref)
	}
	files, _ = mustBundle(t, placementConfig(), "edge", "reports")
	var ev placementExtract
	decode(t, policyXML(t, files, policyPlacementKeyPath), &ev)
	if ev.URIPath == nil || len(ev.URIPath.Patterns) != 2 || ev.URIPath.Patterns[0].Pattern != "/{s0}/{key}" || ev.URIPath.Patterns[1].Pattern != "/{s0}/{key}/**" {
		t.Errorf("path segment 1 read with %+v", ev.URIPath)
	}
}

// TestLintPlacement lints every bundle with placement in both modes.
func TestLintPlacement(t *testing.T) {
	lintAll(t, placementConfig(), "prod")
	lintAll(t, placementConfig(), "edge")
}
