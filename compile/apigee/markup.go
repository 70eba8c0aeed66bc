package apigee

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"sync"
)

// xmlHeader opens every XML file of a bundle.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// buffers holds the scratch buffers of marshalXML: a bundle renders dozens
// of documents and a compile thousands of bundles, so each document borrows
// its two working buffers instead of growing new ones.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the largest buffer returned to the pool, so one huge
// document does not pin its memory for the rest of the compile.
const maxPooled = 1 << 20

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		b.Reset()
		buffers.Put(b)
	}
}

// encoder is an xml.Encoder with the buffer it writes to. An Encoder
// allocates a 4 KB writer of its own, so encoders are pooled too; one
// encodes document after document, each after a newline.
type encoder struct {
	buf *bytes.Buffer
	enc *xml.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{buf: new(bytes.Buffer)}
	e.enc = xml.NewEncoder(e.buf)
	e.enc.Indent("", "  ")
	return e
}}

// marshalXML renders v as an indented XML document. encoding/xml escapes
// every value; tidy then only makes the result easier to read.
func marshalXML(v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal xml: %w", err) // the encoder's state is unknown: not pooled
	}
	raw := bytes.TrimPrefix(e.buf.Bytes(), []byte("\n"))
	out := getBuffer()
	defer putBuffer(out)
	out.WriteString(xmlHeader)
	tidyTo(out, raw)
	out.WriteByte('\n')
	if e.buf.Cap() <= maxPooled {
		encoders.Put(e)
	}
	return bytes.Clone(out.Bytes()), nil
}

// tidy writes empty elements as <X/> and quotes in text as themselves
// rather than &#34; and &#39;. Outside tags encoding/xml escapes every < as
// &lt;, so each literal < opens a tag (or comment) that ends at the next >,
// and attribute values inside tags are left as they are.
func tidy(doc []byte) []byte {
	var out bytes.Buffer
	tidyTo(&out, doc)
	return out.Bytes()
}

// tidyTo appends tidy(doc) to out, in two passes over a pooled buffer:
// first empty elements, then the quotes in text.
func tidyTo(out *bytes.Buffer, doc []byte) {
	collapsed := getBuffer()
	defer putBuffer(collapsed)
	collapseEmpty(collapsed, doc)
	unquoteTo(out, collapsed.Bytes())
}

// collapseEmpty appends doc to out with every <X attrs></X> written as
// <X attrs/>. X is a name of ASCII letters and digits starting with a
// letter; attribute values never hold a literal < or > (encoding/xml
// escapes them), so an element cannot span them. A pair whose names differ
// is copied as it is, and the search goes on after it.
func collapseEmpty(out *bytes.Buffer, doc []byte) {
	for {
		lt := bytes.IndexByte(doc, '<')
		if lt < 0 {
			out.Write(doc)
			return
		}
		out.Write(doc[:lt])
		doc = doc[lt:]
		open, name, end := emptyPair(doc)
		switch {
		case end == 0:
			out.WriteByte('<')
			doc = doc[1:]
		case bytes.Equal(name, doc[open+3:end-1]):
			out.Write(doc[:open])
			out.WriteString("/>")
			doc = doc[end:]
		default:
			out.Write(doc[:end])
			doc = doc[end:]
		}
	}
}

// emptyPair reports whether doc starts with <X attrs></Y>: then open is the
// index of the first tag's >, name is X and end the length of the pair (Y
// is doc[open+3:end-1]); otherwise end is 0.
func emptyPair(doc []byte) (open int, name []byte, end int) {
	n := nameLen(doc[1:])
	if n == 0 {
		return 0, nil, 0
	}
	open = 1 + n + bytes.IndexAny(doc[1+n:], "<>")
	if open < 1+n || doc[open] != '>' || !bytes.HasPrefix(doc[open+1:], []byte("</")) {
		return 0, nil, 0
	}
	m := nameLen(doc[open+3:])
	end = open + 3 + m + 1
	if m == 0 || end > len(doc) || doc[end-1] != '>' {
		return 0, nil, 0
	}
	return open, doc[1 : 1+n], end
}

// nameLen is the length of the element name at the start of b: an ASCII
// letter followed by letters and digits, or 0.
func nameLen(b []byte) int {
	for i, c := range b {
		letter := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return i
		}
	}
	return len(b)
}

// unquoteTo appends doc to out with the escaped quotes of character data
// (&#34; and &#39;) as quotes, which need no escaping there; tags are
// copied as they are.
func unquoteTo(out *bytes.Buffer, doc []byte) {
	for len(doc) > 0 {
		lt := bytes.IndexByte(doc, '<')
		if lt < 0 {
			lt = len(doc)
		}
		unquoteText(out, doc[:lt])
		doc = doc[lt:]
		gt := bytes.IndexByte(doc, '>')
		if gt < 0 {
			gt = len(doc) - 1
		}
		out.Write(doc[:gt+1])
		doc = doc[gt+1:]
	}
}

// unquoteText appends text to out with &#34; and &#39; as " and '.
func unquoteText(out *bytes.Buffer, text []byte) {
	for {
		amp := bytes.Index(text, []byte("&#3"))
		if amp < 0 || amp+5 > len(text) {
			out.Write(text)
			return
		}
		out.Write(text[:amp])
		switch string(text[amp : amp+5]) {
		case "&#34;":
			out.WriteByte('"')
			text = text[amp+5:]
		case "&#39;":
			out.WriteByte('\'')
			text = text[amp+5:]
		default:
			out.WriteString("&#3")
			text = text[amp+3:]
		}
	}
}
