package apigee

import (
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
)

// Role membership is decided by a JavaScript policy, JS-Groups, that
// parses the caller's groups as the identity source gives them and marks
// each role one of whose groups is exactly one of the caller's
// (lingate.member.<role>). A condition can only match patterns against
// the raw value, and no pattern tells a group "CN=x,OU=y" from the groups
// "CN=x" and "OU=y" in every form a claim takes; a parser can. See
// jsc/groups.js for the forms read.

//go:embed jsc/groups.js
var groupsScript string

// groupsResourceFile is the script's file in the bundle.
const (
	groupsResourceFile = "apiproxy/resources/jsc/" + groupsResourceName
	groupsResourceName = "lingate-groups.js"
)

// groupsTimeLimit bounds the script's run, in milliseconds.
const groupsTimeLimit = 200

// javascript is the Javascript policy running one resource file.
type javascript struct {
	XMLName     xml.Name `xml:"Javascript"`
	Name        string   `xml:"name,attr"`
	TimeLimit   int      `xml:"timeLimit,attr"`
	ResourceURL string   `xml:"ResourceURL"`
}

// groupsPolicy is JS-Groups, which runs the membership script.
func groupsPolicy() policyFile {
	return policyFile{policyGroups, javascript{Name: policyGroups, TimeLimit: groupsTimeLimit, ResourceURL: resourceURL(groupsResourceFile)}}
}

// groupsSource is the membership script of one proxy: its data (the
// variable holding the caller's groups, whether that variable may be a
// comma-separated list, and each role's groups), then the fixed code.
// The data is JSON, which is JavaScript: encoding/json escapes every
// character that could end a string or a script (quotes, backslashes,
// control characters, U+2028, U+2029, <, >, &).
func groupsSource(id identity, ms []member) []byte {
	roles := make([][]any, len(ms)) // [name, groups] pairs: no object keys for ESLint to judge
	for i, m := range ms {
		roles[i] = []any{m.role.Name, m.role.Members.Claims.Groups}
	}
	var b strings.Builder
	for _, v := range []struct {
		name  string
		value any
	}{{"source", id.groups}, {"listed", id.listed}, {"roles", roles}} {
		data, _ := json.Marshal(v.value) // strings, a bool and a map of string lists: cannot fail
		fmt.Fprintf(&b, "var %s = %s;\n", v.name, data)
	}
	b.WriteString(groupsScript)
	return []byte(b.String())
}

// resourceURL is how Apigee names a resource file of the bundle:
// apiproxy/resources/jsc/x.js is jsc://x.js.
func resourceURL(path string) string {
	typ, name, _ := strings.Cut(strings.TrimPrefix(path, "apiproxy/resources/"), "/")
	return typ + "://" + name
}

// memberVar is "true" when the caller is in one of role's groups; only
// JS-Groups sets it.
func memberVar(role string) string { return "lingate.member." + role }
