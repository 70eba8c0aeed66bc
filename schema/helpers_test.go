package schema

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// mapDir copies the files under dir of fsys into memory.
func mapDir(t *testing.T, fsys fs.FS, dir string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newContext() *cue.Context { return cuecontext.New() }

func pathOf(field string) cue.Path { return cue.MakePath(cue.Str(field)) }

// jsonOf renders a Config's decoded fields, for comparing two loads.
func jsonOf(t *testing.T, cfg *Config) string {
	t.Helper()
	b, err := json.MarshalIndent(cfg, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeBoth decodes a section's entries with decode and with
// encoding/json over CUE's JSON, and returns both as generic JSON values.
func decodeBoth[T any](t *testing.T, v cue.Value, cueJSON []byte) (map[string]any, map[string]any) {
	t.Helper()
	viaJSON := map[string]*T{}
	if err := json.Unmarshal(cueJSON, &viaJSON); err != nil {
		t.Fatal(err)
	}
	ours := map[string]*T{}
	if err := decode(v, reflect.ValueOf(&ours).Elem()); err != nil {
		t.Fatal(err)
	}
	return generic(t, viaJSON), generic(t, ours)
}

func generic(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
