package compile

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// benchSize is the generated repository the compile benchmarks use.
var benchSize = testgen.Size{Products: 1000, Roles: 3000}

// benchConfig loads the generated repository once per benchmark.
func benchConfig(b *testing.B) *schema.Config {
	b.Helper()
	cfg, err := schema.Load(testgen.MapFS(testgen.Files(benchSize)), "policies")
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// BenchmarkLoad1000Products is loading and validating the policies, the
// floor every compile pays.
func BenchmarkLoad1000Products(b *testing.B) {
	fsys := testgen.MapFS(testgen.Files(benchSize))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schema.Load(fsys, "policies"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileOneProduct compiles one environment of a repository of
// one product: the per-product cost.
func BenchmarkCompileOneProduct(b *testing.B) {
	cfg, err := schema.Load(testgen.MapFS(testgen.Files(testgen.Size{Products: 1, Roles: 3})), "policies")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(cfg, "prod"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileAll1000Products compiles every environment, in memory.
func BenchmarkCompileAll1000Products(b *testing.B) {
	cfg := benchConfig(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := All(cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite1000Products writes an in-memory compile of every
// environment (Write) to a new folder each time.
func BenchmarkWrite1000Products(b *testing.B) {
	cfg := benchConfig(b)
	sets, err := All(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := Write(filepath.Join(dir, strconv.Itoa(i)), sets, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileWrite1000Products is what lingate compile --out does
// after loading: compile every environment, streaming each object to disk,
// replacing the previous output.
func BenchmarkCompileWrite1000Products(b *testing.B) {
	cfg := benchConfig(b)
	out := filepath.Join(b.TempDir(), "out")
	b.ReportAllocs()
	for b.Loop() {
		w, err := Create(out, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := Stream(cfg, nil, w.Add); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
