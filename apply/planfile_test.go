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
      "diff": "d"
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
	p := NewPlanFile(Source{Base: "b1", Head: "h1"}, []string{"prod"}, cs, head)
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
	for _, k := range []string{"format_version", "source", "changes", "summary", "environments", "artifacts"} {
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
