package schema

import (
	"os"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/lingate/lingate/internal/testgen"
)

// TestFastAndCheckedPathsAgree loads valid policies both ways: the single
// evaluation Load uses for valid input, and the per-entry checks it falls
// back to for errors. Both must decode the same Config, and the decoder must
// agree with CUE's own JSON encoding.
func TestFastAndCheckedPathsAgree(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"example":   mapDir(t, os.DirFS(".."), "policies"),
		"generated": testgen.MapFS(testgen.Files(testgen.Size{Products: 20, Roles: 60})),
	} {
		t.Run(name, func(t *testing.T) {
			files, errs := readFiles(fsys, "policies")
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			fast, ok := loadFast("policies", files)
			if !ok {
				t.Fatal("the fast path refused valid policies")
			}
			checked, errs := loadChecked("policies", files)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if a, b := jsonOf(t, fast), jsonOf(t, checked); a != b {
				t.Errorf("fast and checked loads differ:\n%s\n---\n%s", a, b)
			}
		})
	}
}

func TestDecodeMatchesCUEJSON(t *testing.T) {
	files, _ := readFiles(mapDir(t, os.DirFS(".."), "policies"), "policies")
	data, errs := buildData(newContext(), "policies", files, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, section := range []string{SectionTiers, SectionProducts, SectionRoles} {
		v := data.LookupPath(pathOf(section))
		b, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON, ours map[string]any
		switch section {
		case SectionTiers:
			viaJSON, ours = decodeBoth[Tier](t, v, b)
		case SectionProducts:
			viaJSON, ours = decodeBoth[Product](t, v, b)
		case SectionRoles:
			viaJSON, ours = decodeBoth[Role](t, v, b)
		}
		if !reflect.DeepEqual(viaJSON, ours) {
			t.Errorf("%s: decode differs from encoding/json over MarshalJSON", section)
		}
	}
}

func TestSchemaDefinitionsAreInScope(t *testing.T) {
	err := loadCase(t, `_rate: #Quota & {limit: 10, per: "minute"}
roles: auditor: {members: claims: groups: ["audit"], grants: orders: {scopes: [], quota: _rate}, tier: "fast"}`)
	if err != nil {
		t.Fatalf("policies using #Quota: %v", err)
	}
}
