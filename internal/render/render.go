// Package render prints a plan's ChangeSet for people and machines: text
// for a terminal (render.Text), markdown for a pull request
// (render.Markdown) and the versioned plan JSON (render.JSON). Renderers
// only format; they never decide what changed or whether to use colour.
package render

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lingate/lingate/apply"
)

// Plan is what the renderers show.
type Plan struct {
	// Base and Head are the commits compared; empty SHAs for a plan
	// against live targets.
	Base, Head Commit
	// Environments are the environments planned, in order; those without
	// changes are named as such.
	Environments []string
	Changes      apply.ChangeSet
	// Notes explain the plan as a whole, such as a policies folder absent
	// at one commit; shown before the changes.
	Notes []string
}

// Commit is one side of a plan.
type Commit struct {
	SHA string
	// Label is the revision the user named, such as "main" or "HEAD~1";
	// may be empty.
	Label string
	// MergeBaseWith, when set, says the commit is the merge-base of Label
	// and this revision (the head's).
	MergeBaseWith string
}

// Source is the plan's commits as the JSON names them.
func (p Plan) Source() apply.Source { return apply.Source{Base: p.Base.SHA, Head: p.Head.SHA} }

// short abbreviates a SHA as git does.
func short(sha string) string { return sha[:min(7, len(sha))] }

// described is "1a2b3c4 (label)", "1a2b3c4 (merge-base of main and
// HEAD)", or just the short SHA without a label or with one that only
// repeats the SHA. quote renders each name.
func (c Commit) described(quote func(string) string) string {
	s := quote(short(c.SHA))
	switch {
	case c.MergeBaseWith != "":
		return fmt.Sprintf("%s (merge-base of %s and %s)", s, quote(c.Label), quote(c.MergeBaseWith))
	case c.Label == "" || strings.HasPrefix(c.SHA, c.Label):
		return s
	}
	return s + " (" + quote(c.Label) + ")"
}

// totals is the closing line: "Plan: 1 to create, 2 to update, 0 to
// delete." or "No changes.".
func totals(cs apply.ChangeSet) string {
	if cs.Empty() {
		return "No changes."
	}
	s := cs.Summary()
	return fmt.Sprintf("Plan: %d to create, %d to update, %d to delete.", s.Create, s.Update, s.Delete)
}

// counts is an environment's summary: "1 to create, 2 to update, 0 to delete".
func counts(cs apply.ChangeSet) string {
	s := cs.Summary()
	return fmt.Sprintf("%d to create, %d to update, %d to delete", s.Create, s.Update, s.Delete)
}

// quiet returns the environments of p with nothing to show.
func (p Plan) quiet() []string {
	var out []string
	for _, env := range p.Environments {
		in := p.Changes.In(env)
		if in.Empty() && len(in.Kept) == 0 {
			out = append(out, env)
		}
	}
	return out
}

// Printable shows what a terminal would act on, or what would reorder
// the text around it, as escapes: control characters (C0, DEL and the
// 8-bit C1 set, such as \x1b, \n or \u009b), bidirectional overrides
// (\u202e) and invalid UTF-8 (\xff). Tabs stay. Plans show values from
// pull requests, and a terminal must not run them.
func Printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && n == 1, r < utf8.RuneSelf && unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// unsafe reports a control character other than tab, or a bidirectional
// formatting character.
func unsafe(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t'
	case r >= 0x7f && r <= 0x9f:
		return true
	}
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// adoptNote explains an adopted object's update.
const adoptNote = "not created by lingate; applying takes it over and writes lingate's marker"

// keptNote explains why a removed object stays.
const keptNote = "removed from the policies, not deleted because prune is off"
