package access_test

import (
	"testing"

	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// benchSize is the scale: 1,000 products and 3,000 roles.
var benchSize = testgen.Size{Products: 1000, Roles: 3000}

// BenchmarkValidateLoad is the load validate does, for comparison with
// the matrix's own cost below.
func BenchmarkValidateLoad(b *testing.B) {
	fsys := testgen.MapFS(testgen.Files(benchSize))
	for b.Loop() {
		if _, err := schema.Load(fsys, "policies"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatrix is what lingate access adds to the load: the matrix of
// every environment.
func BenchmarkMatrix(b *testing.B) {
	cfg := load(b, testgen.Files(benchSize))
	b.ResetTimer()
	for b.Loop() {
		if m := access.Compute(cfg, nil); len(m.Rows) == 0 {
			b.Fatal("no rows")
		}
	}
}

// BenchmarkGuardrails is what guardrails add to validate: the matrix and
// three guardrails over it (two over rows, one over products).
func BenchmarkGuardrails(b *testing.B) {
	files := testgen.Files(benchSize)
	files["policies/guardrails.cue"] = []byte(`package policies

guardrails: {
	"writes on two replicas": {match: method: "POST", require: replicas: >=2}
	"groups are named": require: group: =~"^[a-z]"
	"prod is rate limited": {over: "products", match: env: "prod", require: spikeArrest: !=""}
}
`)
	cfg := load(b, files)
	b.ResetTimer()
	for b.Loop() {
		if errs := access.CheckGuardrails(cfg); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

func load(b *testing.B, files map[string][]byte) *schema.Config {
	b.Helper()
	cfg, err := schema.Load(testgen.MapFS(files), "policies")
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}
