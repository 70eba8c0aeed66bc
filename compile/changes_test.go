package compile

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// TestStreamChangesCoversBothCompiles compiles the example policies
// against edited copies: what each side's Emit receives, with what Same
// receives, is exactly that side's full compile (All), and an object
// handed to Same has the same files in both full compiles. Without
// RenderSame, Same gets identities only and the sides get the same.
func TestStreamChangesCoversBothCompiles(t *testing.T) {
	example := loadExample(t)
	for _, tc := range []struct{ name, file, old, new string }{
		{"unchanged", "", "", ""},
		{"product quota", "products/orders.cue", "limit: 5000", "limit: 6000"},
		{"role grant", "roles/commerce.cue", `methods: ["POST"]`, `methods: ["POST", "GET"]`},
		{"tier replicas", "tiers.cue", "replicas:     2", "replicas:     3"},
		{"environment prefix", "environments.cue", `resourceGroupPrefix: "stg-"`, `resourceGroupPrefix: "stg2-"`},
		{"product leaves staging", "products/orders.cue", `environments: ["sandbox", "staging", "prod"]`, `environments: ["sandbox", "prod"]`},
	} {
		head := example
		if tc.file != "" {
			head = loadEdited(t, tc.file, tc.old, tc.new)
		}
		for _, render := range []bool{true, false} {
			got := streamChanges(t, example, head, render)
			base, headSets := byRef(t, example), byRef(t, head)
			for ref, o := range got.same {
				if !reflect.DeepEqual(base[ref].Files, headSets[ref].Files) {
					t.Errorf("%s: %s handed to Same but differs between the full compiles", tc.name, ref)
				}
				if render && !reflect.DeepEqual(o.Files, headSets[ref].Files) || !render && o.Files != nil {
					t.Errorf("%s (render %v): Same got %s with files %d, full compile %d", tc.name, render, ref, len(o.Files), len(headSets[ref].Files))
				}
			}
			for i, want := range []map[string]artifact.Object{base, headSets} {
				if gotRefs, wantRefs := keys(union(got.sides[i], got.same)), keys(want); !reflect.DeepEqual(gotRefs, wantRefs) {
					t.Errorf("%s: side %d hands on %d objects with Same, full compile %d", tc.name, i, len(gotRefs), len(wantRefs))
				}
				for ref, o := range got.sides[i] {
					if !reflect.DeepEqual(o.Files, want[ref].Files) {
						t.Errorf("%s: side %d %s differs from the full compile", tc.name, i, ref)
					}
				}
			}
			if tc.name == "unchanged" && len(got.sides[0])+len(got.sides[1]) != 0 {
				t.Errorf("one configuration at both sides: %d and %d objects handed to the sides, want none", len(got.sides[0]), len(got.sides[1]))
			}
			if tc.name != "unchanged" && len(got.sides[0])+len(got.sides[1]) == 0 {
				t.Errorf("%s: nothing differs", tc.name)
			}
		}
	}
}

// streamed is what StreamChanges hands on, by environment and identity.
type streamed struct {
	sides [2]map[string]artifact.Object
	same  map[string]artifact.Object
}

func streamChanges(t *testing.T, base, head *schema.Config, render bool) streamed {
	t.Helper()
	got := streamed{sides: [2]map[string]artifact.Object{{}, {}}, same: map[string]artifact.Object{}}
	into := func(m map[string]artifact.Object) func(string, artifact.Object) error {
		return func(env string, o artifact.Object) error {
			ref := refOf(env, o)
			if _, dup := m[ref]; dup {
				return fmt.Errorf("%s handed on twice", ref)
			}
			o.SortFiles()
			m[ref] = o
			return nil
		}
	}
	errs := StreamChanges(Changes{
		Base:       Side{Config: Config{Cfg: base}, Emit: into(got.sides[AtBase])},
		Head:       Side{Config: Config{Cfg: head}, Emit: into(got.sides[AtHead])},
		Same:       into(got.same),
		RenderSame: render,
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// byRef is the full compile of cfg, by environment and identity.
func byRef(t *testing.T, cfg *schema.Config) map[string]artifact.Object {
	t.Helper()
	sets, err := All(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]artifact.Object{}
	for _, set := range sets {
		for _, o := range set.Objects {
			out[refOf(set.Env, o)] = o
		}
	}
	return out
}

func refOf(env string, o artifact.Object) string {
	return strings.Join([]string{env, o.System, o.Kind, o.Name}, " ")
}

func union(a, b map[string]artifact.Object) map[string]artifact.Object {
	out := map[string]artifact.Object{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func keys(m map[string]artifact.Object) []string { return schema.Names(m) }

// loadEdited loads the example policies with old replaced by new in file.
func loadEdited(t *testing.T, file, old, new string) *schema.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../policies")); err != nil {
		t.Fatal(err)
	}
	path := dir + "/" + file
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), old, new, 1)
	if edited == string(data) {
		t.Fatalf("%s: %q not found", file, old)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.Load(os.DirFS(dir), ".")
	if err != nil {
		t.Fatalf("%s edited: %v", file, err)
	}
	return cfg
}
