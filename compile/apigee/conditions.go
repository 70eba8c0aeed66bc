package apigee

import (
	"strings"
)

// Conditions are built only from names the schema restricts (roles, tiers,
// methods), numbers, and values escaped here; no condition holds a literal
// double quote, which Apigee's condition grammar cannot escape.

// equals is `name = "value"`.
func equals(name, value string) string { return name + " = " + literal(value) }

// literal is s as a string literal of Apigee's condition grammar, which has
// no escape sequences: s between double quotes, as it is. (Go's %q would
// write some characters as \u.... escapes that Apigee reads literally.)
func literal(s string) string { return `"` + s + `"` }

// isTrue is `name = "true"`, the flags the role policies set.
func isTrue(name string) string { return equals(name, "true") }

// isUnset is `name = null`.
func isUnset(name string) string { return name + " = null" }

// not negates a condition.
func not(cond string) string { return "not (" + cond + ")" }

// and joins conditions, each in parentheses. A negation keeps its own:
// apigeelint cannot parse "(not (x))".
func and(conds ...string) string { return join(" and ", conds) }

// or joins conditions like and.
func or(conds ...string) string { return join(" or ", conds) }

func join(op string, conds []string) string {
	if len(conds) == 1 {
		return conds[0]
	}
	parts := make([]string, len(conds))
	for i, c := range conds {
		parts[i] = c
		if !strings.HasPrefix(c, "not (") {
			parts[i] = "(" + c + ")"
		}
	}
	return strings.Join(parts, op)
}
