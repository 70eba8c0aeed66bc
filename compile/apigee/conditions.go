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
func equals(name, value string) string { return fmt.Sprintf("%s = %q", name, value) }

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

// groupPattern is a Java regular expression that matches a groups value
// holding any of groups as one whole item. Identity sources give groups as
// a JSON array (`["a","b"]`, a decoded JWT claim), a JSON string (`"a"`),
// or a comma-separated list (`a, b`, a developer app attribute): an item
// starts the value or follows `[` or `,` (and spaces), may be quoted, and
// ends the value or is followed by `,` or `]` (after spaces). Groups are
// spelled with letters, digits and plainRunes as they are, dots as [.],
// and every other character as \x{hex}, so no group can end the
// condition's string literal or change the pattern.
func groupPattern(groups []string) string {
	alts := make([]string, len(groups))
	for i, g := range groups {
		alts[i] = quoteRegexp(g)
	}
	return `^(.*[\[,] *)?\x22?(` + strings.Join(alts, "|") + `)\x22?( *[,\]].*)?$`
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

// matchesGroups is the condition that the caller is in one of groups.
func matchesGroups(groups []string) string {
	return fmt.Sprintf(`%s ~~ "%s"`, varGroups, groupPattern(groups))
}

// maxCondition is the longest condition apigeelint accepts without a
// warning (CC003).
const maxCondition = 256

// groupConditions splits a role's groups into as few conditions as keep
// each within maxCondition; a group too long for that gets one of its own.
func groupConditions(groups []string) []string {
	var conds []string
	var batch []string
	for _, g := range groups {
		if len(batch) > 0 && len(matchesGroups(append(slices.Clip(batch), g))) > maxCondition {
			conds = append(conds, matchesGroups(batch))
			batch = nil
		}
		batch = append(batch, g)
	}
	if len(batch) > 0 {
		conds = append(conds, matchesGroups(batch))
	}
	return conds
}
