package apigee

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// hostile is a value that would break hand-written XML.
const hostile = `<x a="1">&amp; 'q' ]]> </Header><!-- {v} &#34;`

type escapeDoc struct {
	XMLName xml.Name `xml:"Doc"`
	Attr    string   `xml:"attr,attr"`
	Text    string   `xml:"Text"`
	Empty   string   `xml:"Empty"`
}

func TestMarshalXMLEscapesHostileValues(t *testing.T) {
	in := escapeDoc{Attr: hostile, Text: hostile}
	out, err := marshalXML(in)
	if err != nil {
		t.Fatal(err)
	}
	var back escapeDoc
	decode(t, out, &back)
	if back.Attr != hostile || back.Text != hostile {
		t.Errorf("round trip changed values:\nattr %q\ntext %q\nfrom %s", back.Attr, back.Text, out)
	}
	if strings.Contains(string(out), "]]>") || strings.Contains(string(out), "<x") || strings.Count(string(out), "<!--") > 0 {
		t.Errorf("raw markup leaked into %s", out)
	}
}

func TestMarshalXMLIsReadable(t *testing.T) {
	out, err := marshalXML(escapeDoc{Attr: `say "hi"`, Text: `a = "b" and c = 'd'`})
	if err != nil {
		t.Fatal(err)
	}
	want := xmlHeader + `<Doc attr="say &#34;hi&#34;">
  <Text>a = "b" and c = 'd'</Text>
  <Empty/>
</Doc>
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestTidyLeavesMismatchedTagsAlone(t *testing.T) {
	in := []byte(`<A></B><C x="&#34;"></C>&#39;`)
	if got := string(tidy(in)); got != `<A></B><C x="&#34;"/>'` {
		t.Errorf("tidy = %s", got)
	}
}

// emptyElementRE and regexpTidy are tidy as it was first written, with a
// regular expression; the scanner must give the same bytes for any input.
var emptyElementRE = regexp.MustCompile(`<([A-Za-z][A-Za-z0-9]*)([^<>]*)></([A-Za-z][A-Za-z0-9]*)>`)

func regexpTidy(doc []byte) []byte {
	doc = emptyElementRE.ReplaceAllFunc(doc, func(m []byte) []byte {
		sub := emptyElementRE.FindSubmatch(m)
		if !bytes.Equal(sub[1], sub[3]) {
			return m
		}
		return append(append(append([]byte{'<'}, sub[1]...), sub[2]...), '/', '>')
	})
	return textOrTag.ReplaceAllFunc(doc, func(m []byte) []byte {
		if m[0] == '<' {
			return m
		}
		m = bytes.ReplaceAll(m, []byte("&#34;"), []byte(`"`))
		return bytes.ReplaceAll(m, []byte("&#39;"), []byte(`'`))
	})
}

// textOrTag splits a document into tags (from a < to the next > or the
// end) and the text between them.
var textOrTag = regexp.MustCompile(`<[^>]*>?|[^<]+`)

// tidyPieces are the fragments random documents are made of: names, tag
// ends, escapes and the places a scanner can get wrong.
var tidyPieces = []string{"<", ">", "</", "/>", "A", "b", "B1", "9", " x=\"&#34;\"", "&#34;", "&#39;", "&#3", "&#", "&amp;", "\n  ", "<!--", "-->", ":", "é", `"`, "'"}

func TestTidyMatchesRegexpTidy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(tidyPieces[rng.IntN(len(tidyPieces))])
		}
		in := []byte(b.String())
		if got, want := tidy(in), regexpTidy(in); !bytes.Equal(got, want) {
			t.Fatalf("tidy(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzTidyMatchesRegexpTidy(f *testing.F) {
	for _, s := range []string{`<A></A>`, `<A x="1"></A><B></C>&#34;`, `<a:b></a:b>`, hostile} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if got, want := tidy(in), regexpTidy(in); !bytes.Equal(got, want) {
			t.Fatalf("tidy(%q) = %q, want %q", in, got, want)
		}
	})
}

// TestMarshalXMLOfManyDocumentsIsEachDocumentAlone shows a pooled encoder
// renders every document as a fresh one would.
func TestMarshalXMLOfManyDocumentsIsEachDocumentAlone(t *testing.T) {
	docs := []any{escapeDoc{Attr: "a", Text: hostile}, escapeDoc{}, notFound(), forbidden(), escapeDoc{Text: "b"}}
	for round := range 3 {
		if _, err := marshalXML(map[string]string{}); err == nil {
			t.Fatal("a map marshals, want an error")
		}
		for i, d := range docs {
			got, err := marshalXML(d)
			if err != nil {
				t.Fatal(err)
			}
			body, err := xml.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if want := xmlHeader + string(regexpTidy(body)) + "\n"; string(got) != want {
				t.Fatalf("round %d, document %d:\n%s\nwant\n%s", round, i, got, want)
			}
		}
	}
}
