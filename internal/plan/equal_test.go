package plan

import (
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/gittest"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// TestCommitsEqualsFullCompiles changes a product, a role and a tier (which
// changes bundles of products the change never names): the plan, whose
// compile renders each bundle equal at both commits once, is exactly the
// comparison of two full compiles, and its head objects are head's.
func TestCommitsEqualsFullCompiles(t *testing.T) {
	g := gittest.New(t)
	files := testgen.Files(testgen.Size{Products: 12, Roles: 24, Tiers: 4, PerFile: 4})
	text := map[string]string{}
	for name, data := range files {
		text[name] = string(data)
	}
	base := g.Write(text).Commit("base")
	edit := func(name, old, new string) {
		text[name] = strings.Replace(text[name], old, new, 1)
		files[name] = []byte(text[name])
	}
	edit("policies/products/products-00001.cue", "limit: 1000", "limit: 3000")
	edit("policies/roles/roles-00002.cue", "limit: 58", "limit: 20")
	edit("policies/tiers.cue", `storagePools: ["ssd"]`, `storagePools: ["ssd", "ssd2"]`)
	head := g.Write(text).Commit("head")
	res, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head})
	if err != nil {
		t.Fatal(err)
	}

	full := func(fsys fs.FS) side {
		cfg, err := schema.Load(fsys, "policies")
		if err != nil {
			t.Fatal(err)
		}
		sets, err := compile.All(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := side{cfg: cfg, sets: map[string]artifact.Set{}}
		for _, set := range sets {
			s.sets[set.Env] = set
		}
		return s
	}
	baseFiles := map[string][]byte{}
	for name := range files {
		baseFiles[name] = []byte(mustRead(t, g, base, name))
	}
	b, h := full(testgen.MapFS(baseFiles)), full(testgen.MapFS(files))
	envs := h.cfg.EnvironmentNames()
	want := apply.Compare(pairs(envs, b, h))
	if !reflect.DeepEqual(res.View.Changes, want) {
		t.Errorf("plan changes differ from comparing two full compiles:\n%+v\nwant\n%+v", res.View.Changes.Summary(), want.Summary())
	}
	if want.Summary().Update < 4 {
		t.Errorf("only %+v: the edits should update several objects", want.Summary())
	}
	if !reflect.DeepEqual(res.Head, h.ordered(envs)) {
		t.Error("plan's head objects differ from a full compile of head")
	}
}
