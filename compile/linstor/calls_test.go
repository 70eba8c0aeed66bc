package linstor

import (
	"bytes"
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/LINBIT/golinstor/client"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/lingate/lingate/compile/artifact"
)

// checkCallBody fails the test unless data is a valid body of the spec's
// schema with no field the schema does not define: LINSTOR's spec allows
// unknown fields, the server does not act on them.
func checkCallBody(t *testing.T, name, schema string, data []byte) {
	t.Helper()
	if err := callBodyError(t, schema, data); err != "" {
		t.Errorf("%s is not a %s call body: %s\n%s", name, schema, err, data)
	}
}

// callBodyError says why data is not a strict body of schema, or "".
func callBodyError(t *testing.T, schema string, data []byte) string {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return err.Error()
	}
	s := specSchema(t, schema)
	if err := s.VisitJSON(doc, openapi3.MultiErrors()); err != nil {
		return err.Error()
	}
	if unknown := unknownFields(s, doc, ""); len(unknown) > 0 {
		return "fields not in the API: " + strings.Join(unknown, ", ")
	}
	return ""
}

// unknownFields lists the object keys of v, at any depth, that s does not define.
func unknownFields(s *openapi3.Schema, v any, at string) []string {
	m, ok := v.(map[string]any)
	if !ok || len(s.Properties) == 0 {
		return nil
	}
	var out []string
	for k, sub := range m {
		p, ok := s.Properties[k]
		if !ok || p.Value == nil {
			out = append(out, at+k)
			continue
		}
		out = append(out, unknownFields(p.Value, sub, at+k+".")...)
	}
	slices.Sort(out)
	return out
}

func TestCallBodyCheckCatchesTheCombinedFile(t *testing.T) {
	combined := []byte(`{"name": "fast", "select_filter": {"place_count": 2}, "volume_groups": [{"volume_number": 0}]}`)
	if err := callBodyError(t, "ResourceGroup", combined); !strings.Contains(err, "volume_groups") {
		t.Errorf("the combined file passes as a call body (%q), want volume_groups named", err)
	}
	if err := callBodyError(t, "ResourceGroup", []byte(`{"name": "fast", "select_filter": {"zones": 3}}`)); !strings.Contains(err, "select_filter.zones") {
		t.Errorf("an unknown nested field passes (%q)", err)
	}
}

// TestCallFilesArePostableAndWhole checks every resource group of the
// golden estate: each derived file is a strict body of its call, and the
// bodies together are the combined group again.
func TestCallFilesArePostableAndWhole(t *testing.T) {
	cfg := estate()
	groups := 0
	for _, env := range cfg.EnvironmentNames() {
		objs, err := Compile(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			groups++
			combined := o.Files[0]
			calls, err := CallFiles(combined)
			if err != nil {
				t.Fatalf("CallFiles(%s): %v", combined.Path, err)
			}
			checkCalls(t, env, combined, calls)
		}
	}
	if groups == 0 {
		t.Fatal("the estate compiled no resource groups")
	}
}

// checkCalls checks the call files of one combined resource group file.
func checkCalls(t *testing.T, env string, combined artifact.File, calls []artifact.File) {
	t.Helper()
	rg := strings.TrimSuffix(path.Base(combined.Path), ".json")
	if len(calls) == 0 || calls[0].Path != RequestsDir+"/"+rg+".resource-group.json" {
		t.Fatalf("%s/%s: first call file %v, want %s/%s.resource-group.json", env, combined.Path, calls, RequestsDir, rg)
	}
	checkCallBody(t, env+"/"+calls[0].Path, "ResourceGroup", calls[0].Data)
	back := decodeFile(t, calls[0].Data)
	if len(back.VolumeGroups) != 0 {
		t.Errorf("%s/%s holds volume groups", env, calls[0].Path)
	}
	for i, f := range calls[1:] {
		if want := path.Join(RequestsDir, rg+".volume-group-"+string(rune('0'+i))+".json"); f.Path != want {
			t.Errorf("%s: call file %s, want %s", env, f.Path, want)
		}
		checkCallBody(t, env+"/"+f.Path, "VolumeGroup", f.Data)
		var vg wireVolumeGroup
		if err := json.Unmarshal(f.Data, &vg); err != nil {
			t.Fatal(err)
		}
		back.VolumeGroups = append(back.VolumeGroups, client.VolumeGroup{VolumeNumber: vg.VolumeNumber, Props: vg.Props, Flags: vg.Flags, Uuid: vg.UUID})
	}
	again, err := Encode(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, combined.Data) {
		t.Errorf("%s/%s: the call bodies together are\n%s\nwant\n%s", env, combined.Path, again, combined.Data)
	}
}

func TestCallFilesRefuseWhatIsNotAGroup(t *testing.T) {
	for _, f := range []artifact.File{
		{Path: "linstor/resource-groups/fast.txt", Data: []byte(`{"name": "fast"}`)},
		{Path: "linstor/resource-groups/fast.json", Data: []byte(`{"name": 5}`)},
		{Path: "linstor/resource-groups/fast.json", Data: []byte(`{}`)},
		{Path: "linstor/resource-groups/fast.json", Data: []byte(`{"name": "../../x"}`)},
	} {
		if _, err := CallFiles(f); err == nil || !strings.Contains(err.Error(), f.Path) {
			t.Errorf("CallFiles(%s, %s) = %v, want an error naming the file", f.Path, f.Data, err)
		}
	}
}
