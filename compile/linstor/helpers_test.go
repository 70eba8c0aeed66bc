package linstor

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// newTier returns a tier as the loader would hand it over (defaults filled in), changed by mods.
func newTier(name string, mods ...func(*schema.Tier)) *schema.Tier {
	t := &schema.Tier{
		Name:         name,
		Description:  "NVMe, three replicas",
		Replicas:     3,
		StoragePools: []string{"nvme-thin"},
		Layers:       []string{"DRBD", "STORAGE"},
		DRBD:         schema.DRBD{Protocol: "C", Quorum: "majority"},
		Volumes:      []schema.Volume{{}},
	}
	for _, m := range mods {
		m(t)
	}
	return t
}

// singleTier is a config with environment prod (no prefix) and one product on tier t.
func singleTier(t *schema.Tier) *schema.Config {
	return &schema.Config{
		Environments: map[string]*schema.Environment{"prod": prodEnv("", "https://linstor.prod:3371")},
		Tiers:        map[string]*schema.Tier{t.Name: t},
		Products:     map[string]*schema.Product{"api": product("api", t.Name, "prod")},
		Roles:        map[string]*schema.Role{},
	}
}

func prodEnv(prefix string, controllers ...string) *schema.Environment {
	return &schema.Environment{Name: "prod", Linstor: schema.LinstorTarget{Controllers: controllers, ResourceGroupPrefix: prefix}}
}

func product(name, tier string, envs ...string) *schema.Product {
	return &schema.Product{Name: name, BasePath: "/" + name, Environments: envs, Tier: tier, Approval: "auto"}
}

// compileOne compiles env and returns the one object named rg, failing the test otherwise.
func compileOne(t *testing.T, cfg *schema.Config, env, rg string) artifact.Object {
	t.Helper()
	objs, err := Compile(cfg, env)
	if err != nil {
		t.Fatalf("Compile(%s): %v", env, err)
	}
	for _, o := range objs {
		checkSpec(t, o.Name, o.Files[0].Data)
	}
	for _, o := range objs {
		if o.Name == rg {
			return o
		}
	}
	t.Fatalf("Compile(%s): no resource group %q in %v", env, rg, names(objs))
	return artifact.Object{}
}

func names(objs []artifact.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

// compileErrors compiles env and returns the schema.Errors it must fail with.
func compileErrors(t *testing.T, cfg *schema.Config, env string) schema.Errors {
	t.Helper()
	objs, err := Compile(cfg, env)
	if err == nil {
		t.Fatalf("Compile(%s) = %v, want errors", env, names(objs))
	}
	errs, ok := err.(schema.Errors)
	if !ok {
		t.Fatalf("Compile(%s) error %T %v, want schema.Errors", env, err, err)
	}
	return errs
}

// absent marks a JSON field that must not be there.
type absentField struct{}

var absent = absentField{}

// jsonDoc decodes a compiled file generically.
func jsonDoc(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("compiled file is not JSON: %v\n%s", err, data)
	}
	return doc
}

// lookup follows a dotted path of object keys and list indexes ("volume_groups.0.props").
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// asJSON turns a Go value into what decoding its JSON gives, for comparison with lookup.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFields asserts each path of want in doc (absent: not there).
func checkFields(t *testing.T, doc map[string]any, want map[string]any) {
	t.Helper()
	for _, path := range schema.Names(want) {
		got, ok := lookup(doc, path)
		if want[path] == absent {
			if ok {
				t.Errorf("%s = %v, want it absent", path, got)
			}
			continue
		}
		if !ok {
			t.Errorf("%s is absent, want %v", path, want[path])
			continue
		}
		if w := asJSON(t, want[path]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", path, got, w)
		}
	}
}

// findError returns the error at path whose message holds every fragment.
func findError(errs schema.Errors, path string, fragments ...string) (schema.Error, bool) {
	for _, e := range errs {
		if e.Path != path {
			continue
		}
		ok := true
		for _, f := range fragments {
			ok = ok && strings.Contains(e.Msg, f)
		}
		if ok {
			return e, true
		}
	}
	return schema.Error{}, false
}
