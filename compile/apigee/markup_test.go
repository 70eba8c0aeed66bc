package apigee

import (
	"encoding/xml"
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
