package linstor

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lingate/lingate/schema"
)

// TestShortNameOnceAcrossEnvironments checks that a tier name LINSTOR refuses
// on its own (no prefix) is one problem, not one per environment: the
// error is the same in every environment, so validate prints it once.
func TestShortNameOnceAcrossEnvironments(t *testing.T) {
	shared := []string{"https://a:3371"}
	cfg := twoEnvs("", "", shared, []string{"https://b:3371"}, "a", "a")
	prod, staging := compileErrors(t, cfg, "prod"), compileErrors(t, cfg, "staging")
	if !reflect.DeepEqual(prod, staging) {
		t.Errorf("prod and staging report the name differently:\n%v\n---\n%v", prod, staging)
	}
	e, ok := findError(prod, "tiers.a", `resource group name "a" of tier a has 1 bytes`)
	if !ok || len(prod) != 1 || strings.Contains(e.Msg, "environment") || len(e.Related) > 0 {
		t.Errorf("want one error at tiers.a naming no environment and no related position, got:\n%+v", prod)
	}
}

// policiesSource is valid for the schema, so it loads in one evaluation with
// the schema bound to every section, but LINSTOR refuses some of it.
const policiesSource = `package policies

environments: {
	sandbox: sandbox: true
	prod: {
		apigee: {organization: "acme", environment: "prod"}
		linstor: {
			controllers: ["https://linstor:3371"]
			resourceGroupPrefix: "a-prefix-long-enough-to-push-names-over-48-"
		}
	}
}
tiers: {
	x: {description: "one letter", replicas: 2, storagePools: ["pool1"]}
	archive: {
		description: "HDD", replicas: 2, storagePools: ["pool1"]
		drbd: protocol: "A"
		properties: "DrbdOptions/Net/protocol": "C"
	}
}
products: reports: {
	displayName: "Reports", basePath: "/reports", environments: ["sandbox", "prod"]
	target: url: "https://reports.internal", auth: apiKey: {}, tier: "archive"
}
products: exports: {
	displayName: "Exports", basePath: "/exports", environments: ["sandbox"]
	target: url: "https://exports.internal", auth: apiKey: {}, tier: "x"
}
`

// TestErrorsAtUserLinesAfterLoad checks that problems found compiling a
// Config loaded from CUE point at the user's own lines, never at the
// embedded schema or its section bindings.
func TestErrorsAtUserLinesAfterLoad(t *testing.T) {
	cfg, err := schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(policiesSource)}}, "policies")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"sandbox/tiers.x": "policies/p.cue:14:2",
		"sandbox/tiers.archive.properties.\"DrbdOptions/Net/protocol\"": "policies/p.cue:18:43 related policies/p.cue:17:19",
		"prod/tiers.archive.properties.\"DrbdOptions/Net/protocol\"":    "policies/p.cue:18:43 related policies/p.cue:17:19",
		"prod/environments.prod.linstor.resourceGroupPrefix":            "policies/p.cue:9:25 related policies/p.cue:15:2",
	}
	got := map[string]string{}
	for _, env := range []string{"sandbox", "prod"} {
		for _, e := range compileErrors(t, cfg, env) {
			at := e.Pos.String()
			for _, r := range e.Related {
				at += " related " + r.String()
			}
			got[env+"/"+e.Path] = at
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions differ\ngot:  %v\nwant: %v", got, want)
	}
}

// TestNamespaceIsNoKey checks that a namespace written without an option
// (DrbdOptions/Net) is refused, not taken for a key of its parent namespace.
func TestNamespaceIsNoKey(t *testing.T) {
	for _, key := range []string{"DrbdOptions/Net", "DrbdOptions/Resource", "Aux", "FileSystem"} {
		cfg := singleTier(newTier("fast", func(t *schema.Tier) { t.Properties = map[string]string{key: "x"} }))
		errs := compileErrors(t, cfg, "prod")
		if _, ok := findError(errs, schema.Path("tiers", "fast", "properties", key), key+" is a namespace, not a property"); !ok {
			t.Errorf("%s: want a namespace error, got:\n%v", key, errs)
		}
	}
}
