package apigee

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
)

// xmlHeader opens every XML file of a bundle.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// marshalXML renders v as an indented XML document. encoding/xml escapes
// every value; tidy then only makes the result easier to read.
func marshalXML(v any) ([]byte, error) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal xml: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.Write(tidy(body))
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// emptyElement matches an element with no content. Attribute values never
// hold a literal < or > (encoding/xml escapes them), so the match cannot
// span tags.
var emptyElement = regexp.MustCompile(`<([A-Za-z][A-Za-z0-9]*)([^<>]*)></([A-Za-z][A-Za-z0-9]*)>`)

// tidy writes empty elements as <X/> and quotes in text as themselves
// rather than &#34; and &#39;. Outside tags encoding/xml escapes every < as
// &lt;, so each literal < opens a tag (or comment) that ends at the next >,
// and attribute values inside tags are left as they are.
func tidy(doc []byte) []byte {
	doc = emptyElement.ReplaceAllFunc(doc, func(m []byte) []byte {
		sub := emptyElement.FindSubmatch(m)
		if !bytes.Equal(sub[1], sub[3]) {
			return m
		}
		return append(append(append([]byte{'<'}, sub[1]...), sub[2]...), '/', '>')
	})
	var out bytes.Buffer
	for len(doc) > 0 {
		lt := bytes.IndexByte(doc, '<')
		if lt < 0 {
			lt = len(doc)
		}
		out.Write(unquoteText(doc[:lt]))
		doc = doc[lt:]
		gt := bytes.IndexByte(doc, '>')
		if gt < 0 {
			gt = len(doc) - 1
		}
		out.Write(doc[:gt+1])
		doc = doc[gt+1:]
	}
	return out.Bytes()
}

var textQuotes = []struct{ escaped, plain []byte }{
	{[]byte("&#34;"), []byte(`"`)},
	{[]byte("&#39;"), []byte(`'`)},
}

// unquoteText turns escaped quotes in character data back into quotes,
// which need no escaping there.
func unquoteText(text []byte) []byte {
	for _, q := range textQuotes {
		text = bytes.ReplaceAll(text, q.escaped, q.plain)
	}
	return text
}
