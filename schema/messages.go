package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
)

// CUE's own message formats that lingate rewrites into plainer words.
const (
	fmtDisjunction = "%d errors in empty disjunction:"
	fmtConflict    = "conflicting values %s and %s"
	fmtMismatch    = "conflicting values %s and %s (mismatched types %s and %s)"
	fmtOutOfBound  = "invalid value %v (out of bound %s)"
	fmtRequired    = "field is required but not present"
	fmtNotAllowed  = "field not allowed"
	fmtIncomplete  = "incomplete value %v"
	fmtListLength  = "incompatible list lengths (%d and %d)"
)

// kindNames are how CUE prints a bare type in a conflict.
var kindNames = []string{"int", "float", "number", "string", "bool", "bytes", "null", "struct", "list", "{...}", "[...]"}

// rawErr is a converted CUE error that still knows CUE's message format.
type rawErr struct {
	Error
	path   []string
	format string
	args   []any
}

// summarize turns CUE's errors into one plain error per problem: an empty
// disjunction and its alternatives become "invalid value X (expected one of
// A, B)", and a few terse messages say what was expected.
func (l *polisher) summarize(raws []rawErr) Errors {
	var out Errors
	for i := 0; i < len(raws); {
		if raws[i].format != fmtDisjunction {
			out = append(out, l.polish(raws[i]))
			i++
			continue
		}
		j := i + 1
		for j < len(raws) && hasPrefix(raws[j].path, raws[i].path) {
			j++
		}
		out = append(out, l.collapse(raws[i:j])...)
		i = j
	}
	return out
}

// collapse rewrites a disjunction's errors as one "expected one of" error
// when every alternative failed by value; otherwise it keeps the
// alternatives' own errors and drops the summaries.
func (l *polisher) collapse(group []rawErr) Errors {
	var members []rawErr
	for _, r := range group {
		if r.format != fmtDisjunction {
			members = append(members, r)
		}
	}
	if got, alts, ok := alternatives(members); ok {
		last := members[len(members)-1]
		last.Msg = fmt.Sprintf("invalid value %s (expected one of %s)", got, strings.Join(alts, ", "))
		return Errors{last.Error}
	}
	var out Errors
	for _, m := range members {
		out = append(out, l.polish(m))
	}
	return out
}

// alternatives finds the user's value, common to every conflict, and the
// values the schema would have accepted instead.
func alternatives(members []rawErr) (string, []string, bool) {
	if len(members) == 0 {
		return "", nil, false
	}
	count := map[string]int{}
	var pairs [][2]string
	for _, m := range members {
		a, b, ok := conflictSides(m)
		if !ok {
			return "", nil, false
		}
		pairs = append(pairs, [2]string{a, b})
		count[a]++
		if b != a {
			count[b]++
		}
	}
	for got, n := range count {
		if n != len(members) {
			continue
		}
		var alts []string
		for _, p := range pairs {
			if other := p[0]; other != got {
				alts = append(alts, other)
			} else if other := p[1]; other != got {
				alts = append(alts, other)
			}
		}
		slices.Sort(alts)
		return got, slices.Compact(alts), len(alts) > 0
	}
	return "", nil, false
}

// conflictSides returns the two sides of a conflict or bound violation.
func conflictSides(r rawErr) (string, string, bool) {
	switch r.format {
	case fmtConflict, fmtMismatch:
		return fmt.Sprint(r.args[0]), fmt.Sprint(r.args[1]), true
	case fmtOutOfBound:
		return fmt.Sprint(r.args[0]), boundText(fmt.Sprint(r.args[1])), true
	}
	return "", "", false
}

// wordedPatterns are schema patterns better said in words.
var wordedPatterns = map[string]string{
	"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$": "an HTTP method: GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS",
	"^[a-zA-Z_][a-zA-Z0-9_-]{2,47}$":             "a LINSTOR storage pool name: a letter or _, then 2 to 47 letters, digits, _ or -",
}

// boundText words a CUE bound for people: =~"re" becomes a string matching re.
func boundText(b string) string {
	if re, ok := strings.CutPrefix(b, "=~"); ok {
		if s, err := strconv.Unquote(re); err == nil && wordedPatterns[s] != "" {
			return wordedPatterns[s]
		}
		if s, err := strconv.Unquote(re); err == nil {
			return "a string matching " + s
		}
		return "a string matching " + re
	}
	return b
}

// polisher adds what was expected to CUE's terse messages, reading the
// schema definitions.
type polisher struct {
	schema cue.Value
}

func (l *polisher) polish(r rawErr) Error {
	e := r.Error
	switch r.format {
	case fmtOutOfBound:
		e.Msg = fmt.Sprintf("invalid value %v (expected %s)", r.args[0], boundText(fmt.Sprint(r.args[1])))
	case fmtRequired:
		if k, ok := l.kind(r.path); ok {
			e.Msg = fmt.Sprintf("field is required but not present (expected %s)", k)
		}
	case fmtNotAllowed:
		if names := l.allowed(r.path[:len(r.path)-1]); len(names) > 0 {
			e.Msg = fmt.Sprintf("field not allowed (expected one of %s)", strings.Join(names, ", "))
		}
	case fmtMismatch:
		if got, want, ok := mismatch(r.args); ok {
			e.Msg = fmt.Sprintf("invalid value %s (expected %s)", got, want)
		}
	case fmtListLength:
		if n, ok := r.args[0].(int); ok && n == 0 {
			e.Msg = "empty list (expected at least one element)"
		}
	case fmtIncomplete:
		e.Msg = fmt.Sprintf("incomplete value %v (expected a concrete value)", r.args[0])
	}
	return e
}

// mismatch tells the user's value from the expected type in a type conflict.
func mismatch(args []any) (got, want string, ok bool) {
	a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
	switch {
	case slices.Contains(kindNames, b):
		return a, article(b), true
	case slices.Contains(kindNames, a):
		return b, article(a), true
	}
	return "", "", false
}

// article words a CUE type for a sentence: int becomes "an integer".
func article(kind string) string {
	switch kind {
	case "int":
		return "an integer"
	case "{...}", "struct":
		return "a struct"
	case "[...]", "list":
		return "a list"
	default:
		return "a " + kind
	}
}

// def finds the schema definition for a user path such as
// [tiers fast drbd]: the section's definition, then each field, following
// pattern constraints for user-named keys and element types for list indexes.
func (l *polisher) def(path []string) (cue.Value, bool) {
	if l == nil || len(path) == 0 {
		return cue.Value{}, false
	}
	i := slices.IndexFunc(sections, func(s section) bool { return s.name == path[0] })
	if i < 0 {
		return cue.Value{}, false
	}
	v, rest := l.schema.LookupPath(cue.ParsePath(sections[i].def)), path[1:]
	if sections[i].entries {
		if len(rest) == 0 {
			return cue.Value{}, false
		}
		rest = rest[1:]
	}
	for _, p := range rest {
		v = step(v, p)
		if !v.Exists() {
			return cue.Value{}, false
		}
	}
	return v, true
}

// step selects p in v: a field, a pattern constraint, or a list element.
func step(v cue.Value, p string) cue.Value {
	if _, err := strconv.Atoi(p); err == nil {
		return v.LookupPath(cue.MakePath(cue.AnyIndex))
	}
	label := cue.ParsePath(p)
	if label.Err() == nil {
		sels := label.Selectors()
		for _, s := range []cue.Selector{sels[0], sels[0].Optional(), sels[0].Required()} {
			if w := v.LookupPath(cue.MakePath(s)); w.Exists() {
				return w
			}
		}
	}
	return v.LookupPath(cue.MakePath(cue.AnyString))
}

// kind words the type the schema expects at path.
func (l *polisher) kind(path []string) (string, bool) {
	v, ok := l.def(path)
	if !ok {
		return "", false
	}
	return article(v.IncompleteKind().String()), true
}

// allowed lists the field names the schema allows at path.
func (l *polisher) allowed(path []string) []string {
	v, ok := l.def(path)
	if !ok {
		return nil
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	return names
}

func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// pathString renders a CUE error path as CUE writes it: list indexes in brackets.
func pathString(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
