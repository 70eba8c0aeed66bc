package apigee

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
)

// xnode is a generic XML element: enough to read bundle files without a
// struct per policy type.
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []xnode    `xml:",any"`
}

// parseXMLDoc checks that b is one well-formed XML document and parses it.
func parseXMLDoc(b []byte) (*xnode, error) {
	if err := wellFormed(b); err != nil {
		return nil, err
	}
	var n xnode
	if err := xml.Unmarshal(b, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// wellFormed reads every token: tags must nest and close, and there must be
// exactly one root element with nothing but markup around it.
func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	switch {
	case roots == 0:
		return errors.New("no root element")
	case roots > 1:
		return errors.New("more than one root element")
	}
	return nil
}

func (n *xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *xnode) child(name string) *xnode {
	for i := range n.Kids {
		if n.Kids[i].XMLName.Local == name {
			return &n.Kids[i]
		}
	}
	return nil
}

func (n *xnode) children(name string) []*xnode {
	var out []*xnode
	for i := range n.Kids {
		if n.Kids[i].XMLName.Local == name {
			out = append(out, &n.Kids[i])
		}
	}
	return out
}

func (n *xnode) childText(name string) string {
	if c := n.child(name); c != nil {
		return c.Text
	}
	return ""
}

// all returns every descendant element with the name, in document order.
func (n *xnode) all(name string) []*xnode {
	var out []*xnode
	for i := range n.Kids {
		k := &n.Kids[i]
		if k.XMLName.Local == name {
			out = append(out, k)
		}
		out = append(out, k.all(name)...)
	}
	return out
}
