package apigee

import (
	"fmt"
	"slices"
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

// groupPatterns are the Java regular expressions that match a groups
// value holding any of groups as one whole item: quoted, then bare.
// Identity sources give groups as a JSON array (`["a","b"]`, a decoded JWT
// claim), a JSON string (`"a"`), or a comma-separated list (`a, b`, a
// developer app attribute): an item starts the value or follows `[` or
// `,` (and spaces), and ends the value or is followed by `,` or `]` (after
// spaces). A JSON item is quoted on both sides, and its quotes belong to
// it: the group "Sales, ops" (`["Sales, ops"]`) is not the group ops. A
// listed item is quoted on neither side. Each form has its own pattern, so
// every group is spelled once per condition. Groups are spelled with
// letters, digits and plainRunes as they are, dots as [.], and every other
// character as \x{hex}, so no group can end the condition's string literal
// or change the pattern.
func groupPatterns(groups []string) []string {
	alts := make([]string, len(groups))
	for i, g := range groups {
		alts[i] = quoteRegexp(g)
	}
	either := "(" + strings.Join(alts, "|") + ")"
	const before, after = `^(.*[\[,] *)?`, `( *[,\]].*)?$`
	return []string{before + `\x22` + either + `\x22` + after, before + either + after}
}

// plainRunes mean themselves in a Java regular expression and need no
// escaping in XML.
const plainRunes = " -_/:=@!%~'#"

// quoteRegexp spells s as a Java regular expression matching s literally.
func quoteRegexp(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(plainRunes, r):
			b.WriteRune(r)
		case r == '.':
			b.WriteString("[.]")
		default:
			fmt.Fprintf(&b, `\x{%X}`, r)
		}
	}
	return b.String()
}

// matchesGroups are the conditions that the caller is in one of groups,
// as a quoted item and as a listed one; either suffices.
func matchesGroups(groups []string) []string {
	patterns := groupPatterns(groups)
	conds := make([]string, len(patterns))
	for i, p := range patterns {
		conds[i] = fmt.Sprintf(`%s ~~ "%s"`, varGroups, p)
	}
	return conds
}

// maxCondition is the longest condition apigeelint accepts without a
// warning (CC003).
const maxCondition = 256

// groupConditions splits a role's groups into as few batches as keep each
// condition within maxCondition, and returns the conditions of every
// batch; a caller who meets any of them is a member. A group too long for
// that gets a batch of its own.
func groupConditions(groups []string) []string {
	var conds []string
	var batch []string
	for _, g := range groups {
		if len(batch) > 0 && longest(matchesGroups(append(slices.Clip(batch), g))) > maxCondition {
			conds = append(conds, matchesGroups(batch)...)
			batch = nil
		}
		batch = append(batch, g)
	}
	if len(batch) > 0 {
		conds = append(conds, matchesGroups(batch)...)
	}
	return conds
}

// longest is the length of the longest of conds.
func longest(conds []string) int {
	n := 0
	for _, c := range conds {
		n = max(n, len(c))
	}
	return n
}
