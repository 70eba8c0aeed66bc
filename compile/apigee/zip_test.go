package apigee

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
)

func TestZipIsDeterministicAndOrdered(t *testing.T) {
	a := []artifact.File{{Path: "apiproxy/b.xml", Data: []byte("b")}, {Path: "apiproxy/a.xml", Data: []byte("a")}}
	b := []artifact.File{a[1], a[0]}
	za, err := Zip(a)
	if err != nil {
		t.Fatal(err)
	}
	zb, err := Zip(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(za, zb) {
		t.Error("input order changed the archive")
	}
	if a[0].Path != "apiproxy/b.xml" {
		t.Error("Zip sorted its caller's slice")
	}
	r, err := zip.NewReader(bytes.NewReader(za), int64(len(za)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range r.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(zipTime) || f.Method != zip.Store || f.Mode().Perm() != 0o644 {
			t.Errorf("%s: time %v method %d mode %v", f.Name, f.Modified, f.Method, f.Mode())
		}
	}
	if len(names) != 2 || names[0] != "apiproxy/a.xml" || names[1] != "apiproxy/b.xml" {
		t.Errorf("entries %v", names)
	}
}

func TestBundleZipHoldsTheFiles(t *testing.T) {
	files, zipped := mustBundle(t, richConfig(), "prod", "payments")
	back := unzip(t, zipped)
	if len(back) != len(files) {
		t.Fatalf("zip has %d entries, bundle %d files", len(back), len(files))
	}
	for p, data := range files {
		if !bytes.Equal(back[p], data) {
			t.Errorf("%s differs in the zip", p)
		}
	}
	if _, ok := back["apiproxy/payments.xml"]; !ok {
		t.Errorf("no base configuration; entries %v", keys(back))
	}
}

func TestZipSizeIsExact(t *testing.T) {
	files := []artifact.File{{Path: "apiproxy/a.xml", Data: []byte("<a/>")}, {Path: "apiproxy/policies/b.xml", Data: make([]byte, 5000)}}
	data, err := Zip(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != zipSize(files) {
		t.Errorf("zip of %d bytes, zipSize says %d", len(data), zipSize(files))
	}
}
