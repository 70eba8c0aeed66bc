package compile

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/golden"
)

// writeExample compiles envs of the example policies into dir.
func writeExample(t *testing.T, dir string, opts Options, envs ...string) {
	t.Helper()
	sets, err := All(loadExample(t), envs)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, sets, opts); err != nil {
		t.Fatal(err)
	}
}

func TestWriteLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	writeExample(t, dir, Options{}, "prod")
	tree := golden.ReadTree(t, dir)
	for _, want := range []string{
		"prod/apigee/proxies/payments.zip",
		"prod/apigee/products/payments.json",
		"prod/linstor/resource-groups/fast.json",
		"prod/linstor/requests/fast.resource-group.json",
		"prod/linstor/requests/fast.volume-group-0.json",
		ManifestName,
	} {
		if _, ok := tree[want]; !ok {
			t.Errorf("%s not written", want)
		}
	}
	for p := range tree {
		if strings.Contains(p, "/apiproxy/") {
			t.Fatalf("%s written without Unpacked", p)
		}
	}
	unpacked := filepath.Join(t.TempDir(), "unpacked")
	writeExample(t, unpacked, Options{Unpacked: true}, "prod")
	if _, ok := golden.ReadTree(t, unpacked)["prod/apigee/proxies/payments/apiproxy/payments.xml"]; !ok {
		t.Error("Unpacked wrote no unpacked bundle")
	}
}

func TestWriteFolderMode(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "new", "out")
	writeExample(t, dir, Options{}, "sandbox")
	ref := filepath.Join(root, "ref")
	if err := os.Mkdir(ref, 0o755); err != nil {
		t.Fatal(err)
	}
	want, _ := os.Stat(ref)
	for _, d := range []string{dir, filepath.Join(dir, "sandbox"), filepath.Join(root, "new")} {
		got, err := os.Stat(d)
		if err != nil || got.Mode() != want.Mode() {
			t.Errorf("%s: mode %v (%v), want %v like any folder made with 0755", d, got.Mode(), err, want.Mode())
		}
	}
}

func TestWriteRemovesOnlyWhatTheManifestLists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	writeExample(t, dir, Options{Unpacked: true})
	writeExample(t, dir, Options{}, "sandbox")
	tree := golden.ReadTree(t, dir)
	for p := range tree {
		if p != ManifestName && !strings.HasPrefix(p, "sandbox/") || strings.Contains(p, "/apiproxy/") {
			t.Errorf("%s of the earlier compile survived", p)
		}
	}
	if beside := listTree(t, filepath.Dir(dir)); slices.ContainsFunc(beside, isHidden) {
		t.Errorf("beside the output: %v, want no temporary or earlier folders", beside)
	}
}

func TestWriteRefusesForeignFiles(t *testing.T) {
	for name, plant := range map[string]func(dir string) error{
		"sandbox/apigee/products/notes.txt": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "sandbox/apigee/products/notes.txt"), []byte("mine"), 0o644)
		},
		"sandbox/apigee/drafts": func(dir string) error { return os.Mkdir(filepath.Join(dir, "sandbox/apigee/drafts"), 0o755) },
		"zz-link":               func(dir string) error { return os.Symlink("sandbox", filepath.Join(dir, "zz-link")) },
	} {
		dir := filepath.Join(t.TempDir(), "out")
		writeExample(t, dir, Options{}, "sandbox")
		if err := plant(dir); err != nil {
			t.Fatal(err)
		}
		before := listTree(t, dir)
		sets, _ := All(loadExample(t), []string{"sandbox"})
		err := Write(dir, sets, Options{})
		if err == nil || !strings.Contains(err.Error(), name+" was not written by lingate compile") {
			t.Errorf("%s: got %v, want a refusal naming it", name, err)
		}
		if after := listTree(t, dir); !slices.Equal(after, before) {
			t.Errorf("%s: the refused folder changed: %v, had %v", name, after, before)
		}
	}
}

func TestWriteRefusesFolderWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(dir, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), notOurs+": it holds keep.txt") {
		t.Fatalf("got %v, want a refusal naming keep.txt", err)
	}
}

func TestWriteRefusesHostileManifest(t *testing.T) {
	root := t.TempDir()
	victim := filepath.Join(root, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "out")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(Manifest{Generator: "lingate", Files: []ManifestFile{{Path: "../victim.txt"}}})
	if err := os.WriteFile(filepath.Join(dir, ManifestName), m, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(dir, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), `lists "../victim.txt"`) {
		t.Errorf("got %v, want the manifest's path refused", err)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("a file outside the folder was removed: %v", err)
	}
}

func TestWriteRefusesPathsThatNameNoFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	for dir, want := range map[string]string{
		"":          "empty path",
		".":         "cannot replace the working folder",
		"a/..":      "cannot replace the working folder",
		"..":        "cannot replace the working folder",
		"/":         "cannot replace the working folder",
		"notes.txt": "is a file",
	} {
		if dir == "notes.txt" {
			if err := os.WriteFile(dir, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := Write(dir, nil, Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Write(%q) = %v, want %q", dir, err, want)
		}
	}
}

func TestWriterAbortLeavesTheEarlierCompile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	writeExample(t, dir, Options{}, "sandbox")
	before := golden.ReadTree(t, dir)
	w, err := Create(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := artifact.Object{System: "apigee", Kind: "product", Name: "x", Files: []artifact.File{{Path: "../../escape.json"}}}
	if err := w.Add("sandbox", bad); err == nil || !strings.Contains(err.Error(), "not a path inside the folder") {
		t.Fatalf("Add(%v) = %v, want a refusal", bad, err)
	}
	w.Abort()
	after := golden.ReadTree(t, dir)
	if len(after) != len(before) || string(after[ManifestName]) != string(before[ManifestName]) {
		t.Error("an aborted write changed the earlier compile")
	}
	if beside := listTree(t, filepath.Dir(dir)); slices.ContainsFunc(beside, isHidden) {
		t.Errorf("beside the output after Abort: %v", beside)
	}
}

func isHidden(p string) bool { return strings.HasPrefix(p, ".") }

// listTree lists every entry under dir, links not followed, in path order.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel)+":"+d.Type().String())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out[1:]
}

// TestWriteLinksOnlyUnchangedFiles compiles twice into one folder: files
// whose bytes did not change are the earlier ones, linked; one edited by
// hand since the earlier compile is written anew.
func TestWriteLinksOnlyUnchangedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	writeExample(t, dir, Options{}, "sandbox")
	same := filepath.Join(dir, "sandbox/apigee/products/orders.json")
	edited := filepath.Join(dir, "sandbox/apigee/proxies/orders.zip")
	before, _ := os.Stat(same)
	data, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(data)
	data[len(data)/2] ^= 0xff
	later := time.Now().Add(time.Minute)
	if err := os.WriteFile(edited, data, 0o644); err != nil || os.Chtimes(edited, later, later) != nil {
		t.Fatal(err)
	}
	writeExample(t, dir, Options{}, "sandbox")
	after, _ := os.Stat(same)
	if !os.SameFile(before, after) {
		t.Error("an unchanged file was written anew, not linked")
	}
	if got, _ := os.ReadFile(edited); !bytes.Equal(got, want) {
		t.Error("a file edited since the earlier compile was kept, not written anew")
	}
}

// TestWriteLinksEqualFilesOfOneCompile writes the same bytes for two
// environments into a fresh folder: the second is a link to the first
// (one create, not two), listed in the manifest like any file; different
// bytes are their own file.
func TestWriteLinksEqualFilesOfOneCompile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	w, err := Create(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bundle := []byte("PK the same bundle")
	for _, env := range []string{"prod", "sandbox", "staging"} {
		data := bundle
		if env == "staging" {
			data = []byte("PK another bundle")
		}
		if err := w.AddFiles(env, []artifact.File{{Path: "apigee/proxies/orders.zip", Data: data}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	stat := func(env string) os.FileInfo {
		info, err := os.Stat(filepath.Join(dir, env, "apigee/proxies/orders.zip"))
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	if !os.SameFile(stat("prod"), stat("sandbox")) {
		t.Error("equal files of one compile were written twice, not linked")
	}
	if os.SameFile(stat("prod"), stat("staging")) {
		t.Error("different files were linked")
	}
	for env, want := range map[string]string{"prod": string(bundle), "sandbox": string(bundle), "staging": "PK another bundle"} {
		if got, _ := os.ReadFile(filepath.Join(dir, env, "apigee/proxies/orders.zip")); string(got) != want {
			t.Errorf("%s: %q, want %q", env, got, want)
		}
	}
	m, err := readManifest(dir)
	if err != nil || len(m.Files) != 3 {
		t.Fatalf("manifest %v %v: want the three files", m, err)
	}
}
