package simulate_test

import (
	"testing"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/internal/simulate"
	"github.com/lingate/lingate/internal/testgen"
)

// BenchmarkSimulate is one request's latency once the environment's
// proxies are compiled and loaded (1,000 products, 3,000 roles); the
// issue asks for under 50 ms.
func BenchmarkSimulate(b *testing.B) {
	cfg := loadGenerated(b, testgen.Size{Products: 1000, Roles: 3000})
	env, err := simulate.New(cfg, "prod", apigee.Bundle, apigee.ProductOperations)
	if err != nil {
		b.Fatal(err)
	}
	req := simulate.Request{Method: "POST", Path: "/svc/00500/v1/items", Claims: map[string]string{"groups": `["group-00500","admins"]`}}
	b.ResetTimer()
	for b.Loop() {
		if res, err := env.Run(req); err != nil || !res.Reached {
			b.Fatalf("refused: %+v", res)
		}
	}
}

// BenchmarkSimulateLoad is the first answer after the policies are
// loaded: finding, compiling and parsing the one proxy that serves it.
func BenchmarkSimulateLoad(b *testing.B) {
	cfg := loadGenerated(b, testgen.Size{Products: 1000, Roles: 3000})
	req := simulate.Request{Method: "GET", Path: "/svc/00500/v1/items", Claims: map[string]string{"groups": `["admins"]`}}
	b.ResetTimer()
	for b.Loop() {
		env, err := simulate.New(cfg, "prod", apigee.Bundle, apigee.ProductOperations)
		if err != nil {
			b.Fatal(err)
		}
		if res, err := env.Run(req); err != nil || !res.Reached {
			b.Fatalf("refused: %+v %v", res, err)
		}
	}
}
