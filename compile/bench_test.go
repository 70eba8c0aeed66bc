package compile

import (
	"bytes"
	"errors"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
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

// BenchmarkDiff1000Products compares two compiles of 1,000 products that
// differ in one product's quota, as plan does after compiling: every
// object matched, the changed ones diffed.
func BenchmarkDiff1000Products(b *testing.B) {
	base, head := benchPair(b)
	sets, errs := AllOf([]Config{{base, nil}, {head, nil}})
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	pairs := make([]apply.Pair, len(sets[1]))
	for i := range sets[1] {
		pairs[i] = apply.Pair{Env: sets[1][i].Env, Base: sets[0][i].Objects, Head: sets[1][i].Objects}
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := apply.Compare(pairs).Summary(); s.Update != 6 {
			b.Fatalf("%+v, want 6 updates (proxy and product in three environments)", s)
		}
	}
}

// BenchmarkChanges1000Products compiles two configurations of 1,000
// products that differ in one product's quota for what differs
// (StreamChanges, what plan does) and compares the objects handed on.
func BenchmarkChanges1000Products(b *testing.B) {
	base, head := benchPair(b)
	b.ReportAllocs()
	for b.Loop() {
		sides := [2]map[string][]artifact.Object{{}, {}}
		collect := func(i int) func(string, artifact.Object) error {
			return func(env string, o artifact.Object) error {
				sides[i][env] = append(sides[i][env], o)
				return nil
			}
		}
		errs := StreamChanges(Changes{
			Base: Side{Config: Config{Cfg: base}, Emit: collect(AtBase)},
			Head: Side{Config: Config{Cfg: head}, Emit: collect(AtHead)},
			Same: func(string, artifact.Object) error { return nil },
		})
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		var pairs []apply.Pair
		for _, env := range head.EnvironmentNames() {
			pairs = append(pairs, apply.Pair{Env: env, Base: sides[AtBase][env], Head: sides[AtHead][env]})
		}
		if s := apply.Compare(pairs).Summary(); s.Update != 6 {
			b.Fatalf("%+v, want 6 updates (proxy and product in three environments)", s)
		}
	}
}

// benchPair loads the generated repository, and again with one product's
// quota changed.
func benchPair(b *testing.B) (base, head *schema.Config) {
	b.Helper()
	files := testgen.Files(benchSize)
	base, err := schema.Load(testgen.MapFS(files), "policies")
	if err != nil {
		b.Fatal(err)
	}
	name := "policies/products/products-00050.cue"
	files[name] = bytes.Replace(files[name], []byte("limit: 1000"), []byte("limit: 2000"), 1)
	head, err = schema.Load(testgen.MapFS(files), "policies")
	if err != nil {
		b.Fatal(err)
	}
	return base, head
}
