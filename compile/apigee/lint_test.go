package apigee

import (
	"bytes"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/apigeelint"
	"github.com/lingate/lingate/schema"
)

// TestLintFindsProblems proves the lint helper sees what apigeelint
// reports: a bundle with a second unconditional flow fails.
func TestLintFindsProblems(t *testing.T) {
	files, _, err := Bundle(richConfig(), "prod", "keys")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if f.Path == "apiproxy/proxies/default.xml" {
			files[i].Data = bytes.Replace(f.Data, []byte("<Flows>"), []byte(`<Flows><Flow name="extra"><Request/><Response/></Flow>`), 1)
		}
	}
	if findings := apigeelint.Findings(t, fileMap(files)); !contains(findings, "FL001") {
		t.Errorf("expected FL001 for two unconditional flows, got %v", findings)
	}
}

// TestLintRichConfig lints every bundle of a Config that uses every
// feature: three auth kinds, targets per tier, a TargetServer, operations,
// CORS, header transforms, quotas and many roles.
func TestLintRichConfig(t *testing.T) {
	lintAll(t, richConfig(), "prod")
}

// lintAll lints every bundle compiled for env, in parallel.
func lintAll(t *testing.T, cfg *schema.Config, env string) {
	t.Helper()
	apigeelint.Binary(t)
	objs, err := Compile(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Kind != artifact.KindProxy {
			continue
		}
		t.Run(env+"/"+o.Name, func(t *testing.T) {
			t.Parallel()
			apigeelint.AssertClean(t, o.Name, unzip(t, zipOf(t, o)))
		})
	}
}
