package apigee

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// mustBundle compiles one bundle and returns its files by path
// (relative to the bundle root) and its zip.
func mustBundle(t *testing.T, cfg *schema.Config, env, product string) (map[string][]byte, []byte) {
	t.Helper()
	files, zipped, err := Bundle(cfg, env, product)
	if err != nil {
		t.Fatalf("Bundle(%s, %s): %v", env, product, err)
	}
	return fileMap(files), zipped
}

// fileMap indexes files by path.
func fileMap(files []artifact.File) map[string][]byte {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m
}

// policyXML is a bundle's policy file.
func policyXML(t *testing.T, files map[string][]byte, name string) []byte {
	t.Helper()
	data, ok := files["apiproxy/policies/"+name+".xml"]
	if !ok {
		t.Fatalf("no policy %s in bundle; have %v", name, keys(files))
	}
	return data
}

// decode parses an XML file into v.
func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := xml.Unmarshal(data, v); err != nil {
		t.Fatalf("parse %s: %v", data, err)
	}
}

// endpointOf parses a bundle's ProxyEndpoint.
func endpointOf(t *testing.T, files map[string][]byte) proxyEndpoint {
	t.Helper()
	var pe proxyEndpoint
	decode(t, files["apiproxy/proxies/default.xml"], &pe)
	return pe
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// unzip reads a bundle zip back into files by path.
func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("read zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	return files
}

// stepNames lists the policies of steps, with their conditions.
func stepNames(steps []step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Name
		if s.Condition != "" {
			out[i] += " if " + s.Condition
		}
	}
	return out
}

// contains reports whether any of list contains sub.
func contains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
