package apigee

import (
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestTargetServerAndURL(t *testing.T) {
	server := newTarget("default", &schema.Target{Server: "backend"})
	if server.Connection.LoadBalancer == nil || server.Connection.LoadBalancer.Server.Name != "backend" || server.Connection.URL != "" {
		t.Errorf("server target %+v", server)
	}
	https := newTarget("default", &schema.Target{URL: "https://b.example/api?x=1&y=2"})
	if https.Connection.SSLInfo == nil || !https.Connection.SSLInfo.Enforce || string(https.Connection.LintURL) != suppressTD002 || string(https.Connection.LintSSL) != suppressTD007 {
		t.Errorf("https target %+v", https)
	}
	http := newTarget("default", &schema.Target{URL: "http://b.example"})
	if http.Connection.SSLInfo != nil || len(http.Connection.LintSSL) != 0 {
		t.Errorf("http target has TLS settings: %+v", http)
	}
	out, err := marshalXML(https)
	if err != nil {
		t.Fatal(err)
	}
	var back targetEndpoint
	decode(t, out, &back)
	if back.Connection.URL != "https://b.example/api?x=1&y=2" {
		t.Errorf("URL came back as %q", back.Connection.URL)
	}
	if !strings.Contains(string(out), "<!--"+suppressTD002+"-->\n    <URL>") {
		t.Errorf("the TD002 directive must be on the line before <URL>:\n%s", out)
	}
}

func TestRoutesByTier(t *testing.T) {
	p := &schema.Product{Tier: "b", Target: &schema.Target{URL: "http://d"}, Targets: map[string]*schema.Target{"c": {URL: "http://c"}, "a": {URL: "http://a"}}}
	tes, rules := targets(p)
	var names []string
	for _, te := range tes {
		names = append(names, te.Name)
	}
	if !slices.Equal(names, []string{"tier-a", "tier-c", "default"}) {
		t.Errorf("targets %v", names)
	}
	want := []routeRule{
		{Name: "tier-a", Condition: `lingate.tier = "a"`, TargetEndpoint: "tier-a"},
		{Name: "tier-c", Condition: `lingate.tier = "c"`, TargetEndpoint: "tier-c"},
		{Name: "default", TargetEndpoint: "default"},
	}
	if !slices.Equal(rules, want) {
		t.Errorf("rules %+v", rules)
	}
}

func TestRoutesWithoutDefaultTarget(t *testing.T) {
	p := &schema.Product{Tier: "a", Targets: map[string]*schema.Target{"a": {URL: "http://a"}}}
	tes, rules := targets(p)
	if len(tes) != 1 || rules[len(rules)-1] != (routeRule{Name: "default", TargetEndpoint: "tier-a"}) {
		t.Errorf("targets %+v rules %+v", tes, rules)
	}
}

func TestBaseConfig(t *testing.T) {
	p := &schema.Product{Name: "p", DisplayName: "P", BasePath: "/p", Description: "d"}
	b := baseConfig(p, []string{"Q-B", "AM-A"}, []targetEndpoint{{Name: "tier-x"}, {Name: "default"}})
	if !slices.Equal(b.Policies, []string{"AM-A", "Q-B"}) || !slices.Equal(b.TargetEndpoints, []string{"default", "tier-x"}) ||
		b.Description != "Managed by lingate. d" || b.Version != (configVersion{4, 0}) || b.Basepaths != "/p" {
		t.Errorf("base %+v", b)
	}
	if describe(&schema.Product{}) != ManagedDescription {
		t.Error("description without the product's own")
	}
}
