package compile

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/compile/linstor"
	"github.com/lingate/lingate/compile/observability"
	"github.com/lingate/lingate/internal/golden"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

func loadExample(t *testing.T) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(".."), "policies")
	if err != nil {
		t.Fatalf("example policies: %v", err)
	}
	return cfg
}

func TestCompileOrdersObjectsForApply(t *testing.T) {
	set, err := Compile(loadExample(t), "prod")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range set.Objects {
		if len(kinds) == 0 || kinds[len(kinds)-1] != o.Kind {
			kinds = append(kinds, o.Kind)
		}
	}
	want := []string{artifact.KindResourceGroup, artifact.KindProxy, artifact.KindProduct}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("kinds in order %v, want %v", kinds, want)
	}
}

func TestCompileUnknownEnvironment(t *testing.T) {
	_, err := Compile(loadExample(t), "qa")
	if err == nil || !strings.Contains(err.Error(), "environment qa: not declared") {
		t.Fatalf("got %v, want an error naming environment qa", err)
	}
}

func TestWriteIsByteIdentical(t *testing.T) {
	cfg := loadExample(t)
	dir := t.TempDir()
	for _, out := range []string{"a", "b"} {
		sets, err := All(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(filepath.Join(dir, out), sets, Options{Unpacked: out == "b"}); err != nil {
			t.Fatal(err)
		}
	}
	a := golden.ReadTree(t, filepath.Join(dir, "a"))
	b := golden.ReadTree(t, filepath.Join(dir, "b"))
	if len(a) == 0 || len(a) >= len(b) {
		t.Fatalf("trees have %d and %d (unpacked) files", len(a), len(b))
	}
	for p, data := range a {
		if p != ManifestName && !bytes.Equal(data, b[p]) {
			t.Errorf("%s differs between two compiles", p)
		}
	}
}

func TestWriteManifestListsEveryFile(t *testing.T) {
	cfg := loadExample(t)
	sets, err := All(cfg, []string{"sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, sets, Options{Commit: "0123abc", Unpacked: true}); err != nil {
		t.Fatal(err)
	}
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest: %v", err)
	}
	tree := golden.ReadTree(t, dir)
	if len(m.Files) != len(tree)-1 {
		t.Errorf("manifest lists %d files, tree has %d besides the manifest", len(m.Files), len(tree)-1)
	}
	if m.Commit != "0123abc" {
		t.Errorf("manifest commit %q, want 0123abc", m.Commit)
	}
	for _, f := range m.Files {
		if _, ok := tree[f.Path]; !ok {
			t.Errorf("manifest lists %s, not written", f.Path)
		}
	}
}

func TestCheckReportsLinstorProblems(t *testing.T) {
	cfg := loadExample(t)
	cfg.Tiers["fast"].Properties = map[string]string{"Bogus/Key": "1"}
	err := Check(cfg)
	var errs schema.Errors
	if err == nil || !asErrors(err, &errs) {
		t.Fatalf("got %v, want schema.Errors", err)
	}
	if !strings.Contains(errs.Error(), "Bogus/Key") {
		t.Errorf("errors do not name the property: %v", errs)
	}
}

func asErrors(err error, errs *schema.Errors) bool {
	e, ok := err.(schema.Errors)
	*errs = e
	return ok
}

func TestCheckReportsApigeeProblems(t *testing.T) {
	cfg := loadExample(t)
	cfg.Products["payments"].Attributes = map[string]string{"lingate-managed": "false"}
	err := Check(cfg)
	if err == nil || !strings.Contains(err.Error(), "lingate-managed") {
		t.Fatalf("got %v, want an error about the reserved attribute", err)
	}
}

// oneByOne is every environment compiled the plain way: each product of
// each environment built and rendered on its own, one after another.
func oneByOne(t *testing.T, cfg *schema.Config) []artifact.Set {
	t.Helper()
	var sets []artifact.Set
	for _, env := range cfg.EnvironmentNames() {
		groups, err := linstor.Compile(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		proxies, err := apigee.Compile(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		monitoring, err := observability.Files(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		set := artifact.Set{Env: env, Objects: append(groups, proxies...), Monitoring: monitoring}
		set.Sort()
		sets = append(sets, set)
	}
	return sets
}

// TestAllEqualsOneByOne shows that compiling products concurrently, once
// for all their environments, gives exactly the objects of compiling each
// environment's products one by one.
func TestAllEqualsOneByOne(t *testing.T) {
	generated, err := schema.Load(testgen.MapFS(testgen.Files(testgen.Size{Products: 40, Roles: 90})), "policies")
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*schema.Config{"example": loadExample(t), "generated": generated} {
		got, err := All(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := oneByOne(t, cfg)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: All differs from compiling one by one", name)
		}
	}
}

// TestAllReportsEveryProblem breaks products in two environments: every
// problem comes back, in order, however the products were scheduled.
func TestAllReportsEveryProblem(t *testing.T) {
	cfg := loadExample(t)
	var want []string
	for _, name := range schema.Names(cfg.Products) {
		cfg.Products[name].Attributes = map[string]string{"lingate-managed": "false"}
		want = append(want, name)
	}
	_, err := All(cfg, nil)
	var errs schema.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want schema.Errors", err)
	}
	for _, name := range want {
		if !strings.Contains(err.Error(), "products."+name+".") {
			t.Errorf("no problem reported for product %s:\n%v", name, err)
		}
	}
	_, again := All(cfg, nil)
	if again == nil || again.Error() != err.Error() {
		t.Errorf("two compiles report differently:\n%v\n---\n%v", err, again)
	}
}

// TestStreamStopsAtEmitError shows an error from emit ends the compile
// with that error.
func TestStreamStopsAtEmitError(t *testing.T) {
	stop := errors.New("disk full")
	calls := 0
	err := Stream(loadExample(t), nil, func(string, artifact.Object) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("got %v after %d objects, want %v after 3", err, calls, stop)
	}
}

// TestAllOfEqualsAllOfEach compiles two commits' policies together, which
// share the renderings of every bundle but one: each result is exactly All
// of its own configuration, and a problem at one side stays at that side.
func TestAllOfEqualsAllOfEach(t *testing.T) {
	files := testgen.Files(testgen.Size{Products: 30, Roles: 60, Tiers: 5})
	base, err := schema.Load(testgen.MapFS(files), "policies")
	if err != nil {
		t.Fatal(err)
	}
	name := "policies/products/products-00001.cue"
	files[name] = bytes.Replace(files[name], []byte(`limit: 1000`), []byte(`limit: 2000`), 1)
	head, err := schema.Load(testgen.MapFS(files), "policies")
	if err != nil {
		t.Fatal(err)
	}
	got, errs := AllOf([]Config{{base, nil}, {head, []string{"prod", "sandbox"}}})
	for i, c := range []Config{{base, nil}, {head, []string{"prod", "sandbox"}}} {
		want, err := All(c.Cfg, c.Envs)
		if err != nil || errs[i] != nil {
			t.Fatalf("side %d: %v, %v", i, err, errs[i])
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("side %d differs from All of its configuration alone", i)
		}
	}
	if reflect.DeepEqual(got[0][0], got[1][0]) {
		t.Error("the changed product compiled the same at both sides")
	}

	head.Products[testgen.ProductName(3)].Attributes = map[string]string{"lingate-managed": "false"}
	got, errs = AllOf([]Config{{base, nil}, {head, nil}})
	if errs[0] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), testgen.ProductName(3)) {
		t.Fatalf("errors %v, want only the head's problem with %s", errs, testgen.ProductName(3))
	}
	if want, _ := All(base, nil); !reflect.DeepEqual(got[0], want) {
		t.Error("the valid side differs from All of it alone")
	}
}
