package apigee

import (
	"encoding/xml"
	"maps"
	"slices"

	"github.com/lingate/lingate/schema"
)

// assignMessage is the AssignMessage policy: header transforms and flow
// variables. Without AssignTo it changes the message of the flow it runs in.
type assignMessage struct {
	XMLName                   xml.Name         `xml:"AssignMessage"`
	Name                      string           `xml:"name,attr"`
	Remove                    *headerList      `xml:"Remove"`
	Set                       *headerList      `xml:"Set"`
	AssignVariables           []assignVariable `xml:"AssignVariable"`
	IgnoreUnresolvedVariables bool             `xml:"IgnoreUnresolvedVariables,omitempty"`
}

// headerList is the Headers of a Remove or Set.
type headerList struct {
	Headers []header `xml:"Headers>Header"`
}

// header is one header; its value is an Apigee message template, so
// {variable} inserts a flow variable.
type header struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

// assignVariable sets a flow variable from another (Ref), a literal
// (Value) or a message template (Template).
type assignVariable struct {
	Name     string `xml:"Name"`
	Ref      string `xml:"Ref,omitempty"`
	Value    string `xml:"Value,omitempty"`
	Template string `xml:"Template,omitempty"`
}

// headersPolicy is the AssignMessage called name that applies ops, or
// false when ops change nothing. Literal values hold no braces (the schema
// refuses them), so only FromVariable inserts a variable.
func headersPolicy(name string, ops schema.HeaderOps) (policyFile, bool) {
	if len(ops.Set) == 0 && len(ops.FromVariable) == 0 && len(ops.Remove) == 0 {
		return policyFile{}, false
	}
	am := assignMessage{Name: name, IgnoreUnresolvedVariables: true}
	if len(ops.Remove) > 0 {
		am.Remove = &headerList{}
		for _, h := range slices.Sorted(slices.Values(ops.Remove)) {
			am.Remove.Headers = append(am.Remove.Headers, header{Name: h})
		}
	}
	values := maps.Clone(ops.Set)
	for h, v := range ops.FromVariable {
		if values == nil {
			values = map[string]string{}
		}
		values[h] = "{" + v + "}"
	}
	if len(values) > 0 {
		am.Set = &headerList{}
		for _, h := range schema.Names(values) {
			am.Set.Headers = append(am.Set.Headers, header{Name: h, Value: values[h]})
		}
	}
	return policyFile{name, am}, true
}
