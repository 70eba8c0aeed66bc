package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/internal/cli"
	"github.com/lingate/lingate/internal/gittest"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// benchProducts is the size of the benchmark repository.
const benchProducts = 1000

// largeRepo builds a repository of n products over three environments and
// three tiers, with roles, in two commits that differ in one product's quota.
func largeRepo(b *testing.B, n int) *gittest.Repo {
	b.Helper()
	g := gittest.New(b)
	files := map[string]string{"policies/base.cue": benchBase}
	for i := range n {
		files[fmt.Sprintf("policies/products/p%04d.cue", i)] = benchProduct(i, 100)
	}
	g.Write(files).Commit("base")
	g.Write(map[string]string{"policies/products/p0500.cue": benchProduct(500, 200)}).Commit("one quota")
	return g
}

const benchBase = `package policies

environments: {
	prod: {
		apigee: {organization: "acme", environment: "prod"}
		linstor: controllers: ["https://linstor.prod:3371"]
		prune: true
	}
	staging: {
		apigee: {organization: "acme-nonprod", environment: "staging"}
		linstor: {controllers: ["https://linstor.staging:3371"], resourceGroupPrefix: "stg-"}
	}
	sandbox: sandbox: true
}
tiers: {
	fast: {description: "NVMe", replicas: 3, storagePools: ["nvme"], replicasOnDifferent: ["Aux/zone"]}
	standard: {description: "SSD", replicas: 2, storagePools: ["ssd"], volumes: [{size: "50GiB"}, {size: "10GiB"}]}
	archive: {description: "HDD", replicas: 2, storagePools: ["hdd"], drbd: protocol: "A"}
}
roles: {
	reader: {
		members: claims: groups: ["readers"]
		grants: {p0000: scopes: ["read"], p0001: scopes: ["read"], p0002: scopes: ["read"]}
		tier: "archive"
	}
	writer: {
		members: claims: groups: ["writers"]
		grants: {p0000: {scopes: ["write"], methods: ["GET", "POST"]}, p0003: scopes: ["write"]}
		tier: "fast"
	}
}
`

func benchProduct(i, quota int) string {
	tiers := []string{"fast", "standard", "archive"}
	return fmt.Sprintf(`package policies

products: p%04d: {
	displayName:  "Product %d"
	description:  "Generated product number %d"
	basePath:     "/p%04d/v1"
	environments: ["sandbox", "staging", "prod"]
	target: url: "https://p%04d.internal.acme.example"
	auth: oidc: {issuer: "https://login.acme.example", audience: "api://p%04d"}
	quota: {limit: %d, per: "minute"}
	operations: [
		{path: "/items", methods: ["GET", "POST"], scopes: ["read", "write"]},
		{path: "/items/*", methods: ["GET", "PUT", "DELETE"]},
	]
	tier: %q
}
`, i, i, i, i, i, i, quota, tiers[i%len(tiers)])
}

// BenchmarkCompile1000Products is one compile of the repository from its
// work tree: load, validate, compile every environment.
func BenchmarkCompile1000Products(b *testing.B) {
	g := largeRepo(b, benchProducts)
	fsys := os.DirFS(g.Dir)
	for b.Loop() {
		cfg, err := schema.Load(fsys, "policies")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compile.All(cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlan1000Products is lingate plan between the two commits, which
// differ in one product: both read from git, loaded, compiled and compared,
// and the plan printed as JSON.
func BenchmarkPlan1000Products(b *testing.B) {
	g := largeRepo(b, benchProducts)
	b.Chdir(g.Dir)
	args := []string{"plan", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"}
	var out bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, io.Discard, os.Getenv); code != 0 {
		b.Fatalf("plan exit %d", code)
	}
	if n := strings.Count(out.String(), `"action": "update"`); n != 6 {
		b.Fatalf("%d updates, want 6 (proxy and product of p0500 in three environments):\n%s", n, out.String())
	}
	for b.Loop() {
		if code := cli.Run(context.Background(), args, io.Discard, io.Discard, os.Getenv); code != 0 {
			b.Fatalf("plan exit %d", code)
		}
	}
}

// BenchmarkCompileOut1000Products is lingate compile --out over the
// previous output, on the generated repository (3,000 roles, 52 tiers)
// written to disk: load, validate, compile, write.
func BenchmarkCompileOut1000Products(b *testing.B) {
	dir := b.TempDir()
	if err := testgen.WriteDir(dir, testgen.Files(testgen.Size{Products: benchProducts, Roles: 3 * benchProducts, Tiers: 52})); err != nil {
		b.Fatal(err)
	}
	b.Chdir(dir)
	args := []string{"compile", "--out", "out"}
	b.ReportAllocs()
	for b.Loop() {
		if code := cli.Run(context.Background(), args, io.Discard, os.Stderr, os.Getenv); code != 0 {
			b.Fatalf("compile exit %d", code)
		}
	}
}
