package apigee

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/lingate/lingate/apply"
	compiled "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
)

// stamp is lingate's provenance in a revision's description.
type stamp struct {
	Hash, Commit string
}

// ContentHash is the content hash stamped on a proxy's revisions:
// apply.ObjectDigest of the proxy object as compiled.
func ContentHash(o artifact.Object) string { return apply.ObjectDigest(o) }

// stampRE finds the stamp at the end of a description; stampXML finds it
// at the end of the base configuration's <Description> element.
var (
	stampRE  = regexp.MustCompile(`\s*\[lingate sha256:([0-9a-f]{64}) commit:([0-9A-Za-z._/-]*)\]$`)
	stampXML = regexp.MustCompile(`(<Description>[^<]*?)\s*\[lingate sha256:[0-9a-f]{64} commit:[0-9A-Za-z._/-]*\](</Description>)`)
)

// text is how a stamp is written after a description.
func (s stamp) text() string { return "[lingate sha256:" + s.Hash + " commit:" + s.Commit + "]" }

// parseStamp reads the stamp at the end of a revision's description.
func parseStamp(desc string) (stamp, bool) {
	m := stampRE.FindStringSubmatch(desc)
	if m == nil {
		return stamp{}, false
	}
	return stamp{Hash: m[1], Commit: m[2]}, true
}

// bundleDir is where compile puts a proxy's unpacked files.
func bundleDir(name string) string { return "apigee/proxies/" + name + "/" }

// stampedZip is the bundle of proxy o to import: its files with the stamp
// appended to the base configuration's description, zipped as compile zips.
func stampedZip(o artifact.Object, s stamp) ([]byte, error) {
	files, err := bundleFiles(o)
	if err != nil {
		return nil, err
	}
	base, err := baseFile(files, o.Name)
	if err != nil {
		return nil, err
	}
	files[base].Data = stampBase(files[base].Data, s)
	return compiled.Zip(files)
}

// bundleFiles are o's text files with paths relative to the bundle root.
func bundleFiles(o artifact.Object) ([]artifact.File, error) {
	var out []artifact.File
	for _, f := range o.Files {
		if f.Binary {
			continue
		}
		rel, ok := strings.CutPrefix(f.Path, bundleDir(o.Name))
		if !ok {
			return nil, fmt.Errorf("%s: file %s is not under %s", subject(o.Kind, o.Name), f.Path, bundleDir(o.Name))
		}
		out = append(out, artifact.File{Path: rel, Data: bytes.Clone(f.Data)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no bundle files", subject(o.Kind, o.Name))
	}
	return out, nil
}

// baseFile is the index of the base configuration, apiproxy/<x>.xml.
func baseFile(files []artifact.File, name string) (int, error) {
	for i, f := range files {
		dir, file := path.Split(f.Path)
		if dir == "apiproxy/" && strings.HasSuffix(file, ".xml") {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%s: bundle has no base configuration apiproxy/<name>.xml", subject(artifact.KindProxy, name))
}

// stampBase appends the stamp to the <Description> of a base
// configuration, adding the element when there is none.
func stampBase(data []byte, s stamp) []byte {
	text := []byte(s.text())
	if i := bytes.Index(data, []byte("</Description>")); i >= 0 {
		return concat(data[:i], []byte(" "), text, data[i:])
	}
	if i := bytes.Index(data, []byte("<Description/>")); i >= 0 {
		return concat(data[:i], []byte("<Description>"), text, []byte("</Description>"), data[i+len("<Description/>"):])
	}
	if m := apiProxyOpen.FindIndex(data); m != nil {
		return concat(data[:m[1]], []byte("\n  <Description>"), text, []byte("</Description>"), data[m[1]:])
	}
	return data
}

var apiProxyOpen = regexp.MustCompile(`<APIProxy\b[^>]*>`)

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// exportNoise is what Apigee writes into a base configuration on export
// and compile never does: the revision attribute and the change records.
var exportNoise = []*regexp.Regexp{
	regexp.MustCompile(`(<APIProxy\b[^>]*?)\s+revision="[^"]*"`),
	regexp.MustCompile(`\n?[ \t]*<(CreatedAt|CreatedBy|LastModifiedAt|LastModifiedBy)>[^<]*</(CreatedAt|CreatedBy|LastModifiedAt|LastModifiedBy)>`),
	regexp.MustCompile(`\n?[ \t]*<(CreatedAt|CreatedBy|LastModifiedAt|LastModifiedBy)/>`),
}

// unstampBase removes the stamp and the export records from a base
// configuration, giving back what was compiled.
func unstampBase(data []byte) []byte {
	data = stampXML.ReplaceAll(data, []byte("$1$2"))
	data = bytes.ReplaceAll(data, []byte("<Description></Description>"), []byte("<Description/>"))
	data = exportNoise[0].ReplaceAll(data, []byte("$1"))
	for _, re := range exportNoise[1:] {
		data = re.ReplaceAll(data, nil)
	}
	return data
}

// maxExport bounds an exported bundle and what it unpacks to.
const maxExport = 100 << 20

// unpack turns an exported bundle of proxy name into the object compile
// would have written for it: the files under compile's paths, the base
// configuration without stamp or export records, CRLF as LF, and the zip
// rebuilt from them as compile builds it.
func unpack(name string, data []byte) (artifact.Object, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return artifact.Object{}, fmt.Errorf("%s: exported bundle: %w", subject(artifact.KindProxy, name), err)
	}
	// archive/zip fails a read that goes past an entry's declared size,
	// so the declared sizes bound what is unpacked.
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > maxExport {
		return artifact.Object{}, fmt.Errorf("%s: exported bundle unpacks to %d bytes, more than %d", subject(artifact.KindProxy, name), total, maxExport)
	}
	var files []artifact.File
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		b, err := readAll(f)
		if err != nil {
			return artifact.Object{}, fmt.Errorf("%s: exported bundle: %s: %w", subject(artifact.KindProxy, name), f.Name, err)
		}
		files = append(files, artifact.File{Path: strings.TrimPrefix(f.Name, "/"), Data: bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))})
	}
	if i, err := baseFile(files, name); err == nil {
		files[i].Data = unstampBase(files[i].Data)
	}
	return proxyObject(name, files)
}

// proxyObject is the object compile writes for a proxy with these bundle
// files: the zip first, then the files under apigee/proxies/<name>/.
func proxyObject(name string, files []artifact.File) (artifact.Object, error) {
	zipped, err := compiled.Zip(files)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("%s: %w", subject(artifact.KindProxy, name), err)
	}
	o := artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProxy, Name: name,
		Files: []artifact.File{{Path: "apigee/proxies/" + name + ".zip", Data: zipped, Binary: true}}}
	set := artifact.Set{Objects: []artifact.Object{o}}
	for _, f := range files {
		set.Objects[0].Files = append(set.Objects[0].Files, artifact.File{Path: bundleDir(name) + f.Path, Data: f.Data})
	}
	set.Sort()
	return set.Objects[0], nil
}

// readAll reads one zip entry.
func readAll(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
