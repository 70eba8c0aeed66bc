package apply

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
)

func TestDocumentJSON(t *testing.T) {
	cs := ChangeSet{Changes: []Change{
		{Ref: Ref{Env: "prod", System: "linstor", Kind: "resource-group", Name: "fast"}, Action: Replace, Diff: "d", Reason: "why"},
	}}
	b, err := encode(NewDocument(Source{Head: "abc"}, cs))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "format_version": 1,
  "source": {
    "base": null,
    "head": "abc"
  },
  "changes": [
    {
      "env": "prod",
      "system": "linstor",
      "kind": "resource-group",
      "name": "fast",
      "action": "replace",
      "diff": "d",
      "reason": "why"
    }
  ],
  "summary": {
    "create": 1,
    "update": 0,
    "delete": 1
  }
}
`
	if string(b) != want {
		t.Errorf("json:\n%s\nwant:\n%s", b, want)
	}
	empty, _ := encode(NewDocument(Source{}, ChangeSet{}))
	if !strings.Contains(string(empty), `"changes": [],`) {
		t.Errorf("no changes must be [], got:\n%s", empty)
	}
}

func TestPlanFileRoundTrip(t *testing.T) {
	head := []artifact.Set{{Env: "prod", Objects: []artifact.Object{rg("fast", 1, ""), proxy("orders", "u", "zip")}}}
	cs := Compare([]Pair{{Env: "prod", Head: head[0].Objects}})
	p := NewPlanFile(Source{Base: "b1", Head: "h1"}, []string{"prod"}, cs, Digests(head))
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, want 0600", st.Mode().Perm())
	}
	got, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Checksum) != 64 {
		t.Errorf("checksum %q, want a sha256", got.Checksum)
	}
	got.Checksum = ""
	if !reflect.DeepEqual(got, p) {
		t.Errorf("read back:\n%+v\nwant:\n%+v", got, p)
	}
	if len(got.Artifacts) != 2 || got.Artifacts[1].Name != "orders" || len(got.Artifacts[1].SHA256) != 64 {
		t.Errorf("artifacts = %+v", got.Artifacts)
	}
	var raw map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format_version", "source", "changes", "summary", "environments", "artifacts", "checksum"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("plan file lacks %q", k)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestObjectDigest(t *testing.T) {
	a, b := proxy("orders", "u", "zip"), proxy("orders", "u", "zip")
	if ObjectDigest(a) != ObjectDigest(b) {
		t.Error("equal objects, different digests")
	}
	b.Files[0].Data = []byte("zip2")
	if ObjectDigest(a) == ObjectDigest(b) {
		t.Error("a changed zip keeps the digest")
	}
	// Moving bytes from one file's path to its content must change the digest.
	x := artifact.Object{Files: []artifact.File{{Path: "ab", Data: []byte("c")}}}
	y := artifact.Object{Files: []artifact.File{{Path: "a", Data: []byte("bc")}}}
	if ObjectDigest(x) == ObjectDigest(y) {
		t.Error("path/content boundary not in the digest")
	}
}

func TestReadPlanFileRefuses(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		`{"format_version": 2, "changes": []}`: "format_version 2 (expected 1: re-plan with this lingate)",
		`{"changes": []}`:                      "not a lingate plan (no format_version)",
		`not json`:                             "not a lingate plan: invalid character",
	}
	for content, want := range cases {
		path := filepath.Join(dir, "p.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadPlanFile(path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "plan file "+path) {
			t.Errorf("%s: %v, want %q", content, err, want)
		}
	}
	if _, err := ReadPlanFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
	if err := WritePlanFile(filepath.Join(dir, "no", "such", "dir.json"), PlanFile{}); err == nil {
		t.Error("write into a missing folder: no error")
	}
}

// TestReadPlanFileRefusesEdits: a plan file changed after lingate wrote it
// is refused, whatever the edit; reformatting the JSON is no change.
func TestReadPlanFileRefusesEdits(t *testing.T) {
	base := []artifact.Object{product("gone", "1"), product("orders", "100")}
	head := []artifact.Set{{Env: "prod", Objects: []artifact.Object{product("orders", "200")}}}
	cs := Compare([]Pair{{Env: "prod", Base: base, Head: head[0].Objects, Prune: true}})
	p := NewPlanFile(Source{Base: strings.Repeat("b", 40), Head: strings.Repeat("a", 40)}, []string{"prod"}, cs, Digests(head))
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	written := string(data)
	if !strings.Contains(written, `"checksum": "`) {
		t.Fatalf("plan file without checksum:\n%s", written)
	}
	edits := map[string]func(string) string{
		"artifact digest": func(s string) string {
			i := strings.Index(s, `"sha256": "`) + len(`"sha256": "`)
			flip := map[byte]string{'0': "1"}[s[i]]
			if flip == "" {
				flip = "0"
			}
			return s[:i] + flip + s[i+1:]
		},
		"summary": func(s string) string { return strings.Replace(s, `"delete": 1`, `"delete": 0`, 1) },
		"a change dropped": func(s string) string {
			return strings.Replace(s, `"action": "delete"`, `"action": "update"`, 1)
		},
		"head commit": func(s string) string { return strings.Replace(s, strings.Repeat("a", 40), strings.Repeat("c", 40), 1) },
		"environments": func(s string) string {
			return strings.Replace(s, "\"environments\": [\n    \"prod\"\n  ]", "\"environments\": [\n    \"prod\",\n    \"qa\"\n  ]", 1)
		},
		"checksum removed": func(s string) string {
			i := strings.Index(s, ",\n  \"checksum\"")
			return s[:i] + "\n}\n"
		},
	}
	for name, edit := range edits {
		changed := edit(written)
		if changed == written {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadPlanFile(path)
		if err == nil || !strings.Contains(err.Error(), "plan file "+path+": changed since lingate wrote it") {
			t.Errorf("%s: %v, want the edit refused", name, err)
		}
	}
	var v any
	_ = json.Unmarshal(data, &v)
	compact, _ := json.Marshal(v)
	if err := os.WriteFile(path, compact, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPlanFile(path); err != nil || !reflect.DeepEqual(got.Artifacts, p.Artifacts) {
		t.Errorf("reformatted plan file: %v", err)
	}
}

// TestPlanFileStale: a plan describes the objects desired at head until one
// of them changes, appears or goes; objects of environments the plan does
// not cover do not count.
func TestPlanFileStale(t *testing.T) {
	objs := []artifact.Object{rg("fast", 1, ""), proxy("orders", "u", "zip"), product("orders", "1")}
	head := []artifact.Set{{Env: "prod", Objects: objs}}
	p := NewPlanFile(Source{Head: strings.Repeat("a", 40)}, []string{"prod"}, Compare([]Pair{{Env: "prod", Head: objs}}), Digests(head))
	if err := p.Stale(head); err != nil {
		t.Errorf("the same objects: %v", err)
	}
	other := append(head, artifact.Set{Env: "qa", Objects: []artifact.Object{product("qa-only", "1")}})
	if err := p.Stale(other); err != nil {
		t.Errorf("an environment outside the plan: %v", err)
	}
	changed := []artifact.Object{rg("fast", 2, ""), proxy("orders", "u", "zip2"), product("new", "1")}
	err := p.Stale([]artifact.Set{{Env: "prod", Objects: changed}})
	want := "plan is stale: prod linstor resource-group fast changed, prod apigee proxy orders changed, " +
		"prod apigee product new is not in the plan, prod apigee product orders is gone since the plan (re-plan)"
	if err == nil || err.Error() != want {
		t.Errorf("stale:\n%v\nwant:\n%s", err, want)
	}
}
