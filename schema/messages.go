package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
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
	fmtStructCycle = "structural cycle"
	fmtFieldCycle  = "cycle with field: %v"
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
//
// A disjunction at a path where two of the user's own values already
// conflict is dropped: its alternatives fail on the conflict, and wording
// them would blame whichever value CUE happened to keep.
func (l *polisher) summarize(raws []rawErr) Errors {
	var out Errors
	var groups [][]rawErr
	conflicted := map[string]bool{}
	for i := 0; i < len(raws); {
		if raws[i].format != fmtDisjunction {
			if isConflict(raws[i].format) {
				conflicted[raws[i].Path] = true
			}
			out = append(out, l.polish(raws[i]))
			i++
			continue
		}
		j := i + 1
		for j < len(raws) && hasPrefix(raws[j].path, raws[i].path) {
			j++
		}
		groups = append(groups, raws[i:j])
		i = j
	}
	for _, g := range groups {
		if !conflicted[g[0].Path] {
			out = append(out, l.collapse(g)...)
		}
	}
	return out
}

func isConflict(format string) bool { return format == fmtConflict || format == fmtMismatch }

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
	if b == `!=""` {
		return "a non-empty string"
	}
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
		e.Msg = fmt.Sprintf("invalid value %s (expected %s)", brief(r.args[0]), boundText(fmt.Sprint(r.args[1])))
	case fmtRequired:
		if k, ok := l.kind(r.path); ok {
			e.Msg = fmt.Sprintf("field is required but not present (expected %s)", k)
		}
	case fmtNotAllowed:
		// CUE may name an element of the unknown field's list; the field is the problem.
		path := fieldPath(r.path)
		e.Path, e.Msg = pathString(path), l.notAllowed(path)
	case fmtMismatch:
		if got, want, ok := mismatch(r.args); ok {
			e.Msg = fmt.Sprintf("invalid value %s (expected %s)", got, want)
		} else {
			e.Msg = fmt.Sprintf("conflicting values %s and %s (mismatched types %v and %v)", brief(r.args[0]), brief(r.args[1]), r.args[2], r.args[3])
		}
	case fmtListLength:
		if n, ok := r.args[0].(int); ok && n == 0 {
			e.Msg = "empty list (expected at least one element)"
		}
	case fmtStructCycle:
		e.Msg = "structural cycle: the value contains itself (expected a value that does not refer to an enclosing field)"
	case fmtFieldCycle:
		e.Msg += " (expected a value that does not depend on itself)"
	case fmtIncomplete:
		e.Msg = fmt.Sprintf("incomplete value %v (expected a concrete value)", brief(r.args[0]))
	}
	if len(e.Msg) > maxMessage && r.format != "" && e.Msg == r.Error.Msg {
		e.Msg = fmt.Sprintf(r.format, briefArgs(r.args)...)
	}
	if len(e.Msg) > maxMessage {
		e.Msg = e.Msg[:maxMessage/2] + " ... " + e.Msg[len(e.Msg)-maxMessage/2:]
		e.Msg = strings.ToValidUTF8(e.Msg, "")
	}
	return e
}

// maxMessage is the longest message lingate prints for one problem: a
// value the user wrote may be megabytes long, and CUE's messages quote it.
const maxMessage = 400

// briefArgs shortens the values among a message's arguments.
func briefArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
		if len(fmt.Sprint(a)) > 60 {
			out[i] = brief(a)
		}
	}
	return out
}

// notAllowed words a field that a closed struct does not allow. When the
// schema allows the field there, what closed the struct is a definition of
// the user's own, unified with & where embedding was meant.
func (l *polisher) notAllowed(path []string) string {
	if len(path) == 0 {
		return fmtNotAllowed
	}
	names := l.allowed(path[:len(path)-1])
	field := unquoted(path[len(path)-1])
	switch {
	case len(names) == 0:
		if pattern, ok := l.keyPattern(path[:len(path)-1]); ok {
			return fmt.Sprintf("invalid key %q (expected a key matching %s)", field, pattern)
		}
		return fmtNotAllowed
	case slices.Contains(names, field):
		return fmt.Sprintf("field not allowed by a closed definition of the policies that does not declare %s (expected it declared there, or the definition embedded, as in {#def, %s: ...}, rather than #def & {...})", field, field)
	}
	return fmt.Sprintf("field not allowed (expected one of %s)", strings.Join(names, ", "))
}

// keyPattern returns the regular expression the schema's pattern
// constraint puts on the keys of the struct at path, as in
// set?: [=~"^[A-Za-z0-9-]+$"]: string.
func (l *polisher) keyPattern(path []string) (string, bool) {
	v, ok := l.def(path)
	if !ok {
		return "", false
	}
	src := v.Source()
	if f, ok := src.(*ast.Field); ok {
		src = f.Value
	}
	lit, ok := src.(*ast.StructLit)
	if !ok {
		return "", false
	}
	for _, elt := range lit.Elts {
		f, ok := elt.(*ast.Field)
		if !ok {
			continue
		}
		if l, ok := f.Label.(*ast.ListLit); ok && len(l.Elts) == 1 {
			if u, ok := l.Elts[0].(*ast.UnaryExpr); ok && u.Op == token.MAT {
				if b, ok := u.X.(*ast.BasicLit); ok {
					re, err := strconv.Unquote(b.Value)
					return re, err == nil
				}
			}
		}
	}
	return "", false
}

// fieldPath trims list indexes from the end of path.
func fieldPath(path []string) []string {
	for len(path) > 1 && isIndex(path[len(path)-1]) {
		path = path[:len(path)-1]
	}
	return path
}

func isIndex(elem string) bool {
	_, err := strconv.Atoi(elem)
	return err == nil
}

// unquoted returns the name a CUE path element selects.
func unquoted(elem string) string {
	if p := cue.ParsePath(elem); p.Err() == nil && len(p.Selectors()) == 1 && p.Selectors()[0].IsString() {
		return p.Selectors()[0].Unquoted()
	}
	return elem
}

// brief shortens a value in a message: a struct or list the user wrote may
// hold a whole section, so a long one is named by its kind.
func brief(v any) string {
	s := fmt.Sprint(v)
	const most = 60
	switch {
	case len(s) <= most:
		return s
	case strings.HasPrefix(s, "{"):
		return "a struct"
	case strings.HasPrefix(s, "["):
		return "a list"
	}
	return s[:most-3] + "..."
}

// mismatch tells the user's value from the expected type in a type conflict:
// the expected side is a type, a constraint or an open list or struct of
// the schema, never a concrete value.
func mismatch(args []any) (got, want string, ok bool) {
	a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
	if w, ok := expected(b, fmt.Sprint(args[3])); ok {
		return brief(a), w, true
	}
	if w, ok := expected(a, fmt.Sprint(args[2])); ok {
		return brief(b), w, true
	}
	return "", "", false
}

// constraintOps start a CUE constraint as CUE prints it.
var constraintOps = []string{"=~", "!~", "!=", "<", ">"}

// expected words side, of the given kind, as what the schema expects, or
// reports false when side is a concrete value.
func expected(side, kind string) (string, bool) {
	switch {
	case slices.Contains(kindNames, side):
		return article(side), true
	case strings.HasPrefix(side, "=~"):
		return boundText(side), true
	case side == `!=""`:
		return boundText(side), true
	case slices.ContainsFunc(constraintOps, func(op string) bool { return strings.HasPrefix(side, op) }):
		return article(kind) + " " + side, true
	case strings.Contains(side, "...") || strings.Contains(side, "!:") || strings.Contains(side, "?:"):
		return article(kind), true
	}
	return "", false
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
	if alts, ok := choices(v); ok {
		return "one of " + strings.Join(alts, ", "), true
	}
	if text := fmt.Sprint(v); strings.HasPrefix(text, "=~") {
		return boundText(text), true
	}
	return article(v.IncompleteKind().String()), true
}

// choices lists the values of a disjunction of concrete values, such as
// "second" | "minute", as CUE prints them.
func choices(v cue.Value) ([]string, bool) {
	op, args := v.Expr()
	if op != cue.OrOp {
		return nil, false
	}
	var alts []string
	for _, a := range args {
		if !a.IsConcrete() {
			return nil, false
		}
		alts = append(alts, fmt.Sprint(a))
	}
	return alts, true
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
