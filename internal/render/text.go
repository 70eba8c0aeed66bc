package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/access"
)

// ANSI colours of the text plan.
const (
	reset   = "\x1b[0m"
	bold    = "\x1b[1m"
	red     = "\x1b[31m"
	green   = "\x1b[32m"
	yellow  = "\x1b[33m"
	magenta = "\x1b[35m"
	cyan    = "\x1b[36m"
)

// Text writes the plan for a terminal: the commits compared, the objects
// the plan deletes or replaces (first, so that nobody misses them), the
// plan's notes, then per environment one line per change (`+ create`,
// `~ update`, `- delete`, `-/+ replace`) with the unified diff of each
// update below it, and a closing `Plan: N to create, N to update, N to delete.` or `No changes.`.
// color adds ANSI colours; the caller decides (a terminal, NO_COLOR unset).
func Text(w io.Writer, p Plan, color bool) error {
	t := textWriter{w: bufio.NewWriter(w), color: color}
	t.header(p)
	for _, w := range p.Warnings {
		t.line(yellow, "Warning: %s\n", w.Error())
	}
	if len(p.Warnings) > 0 {
		t.w.WriteString("\n")
	}
	t.destroyWarning(p.Changes.Destructive())
	for _, n := range p.Notes {
		t.line("", "Note: %s\n\n", n)
	}
	if len(p.BaseErrors) > 0 {
		t.line(red, "Base %s is invalid; head %s is valid.\n", short(p.Base.SHA), short(p.Head.SHA))
		for _, e := range p.BaseErrors {
			t.line("", "  %s\n", e.Error())
		}
		t.w.WriteString("\n")
	}
	t.access(p.Access)
	for _, env := range p.Environments {
		t.env(env, p.Changes.In(env))
	}
	if quiet := p.quiet(); len(quiet) > 0 && len(quiet) < len(p.Environments) {
		t.line("", "No changes in %s.\n", strings.Join(quiet, ", "))
	}
	t.line(bold, "%s\n", totals(p.Changes))
	return t.w.Flush()
}

// textWriter writes lines, coloured or not.
type textWriter struct {
	w     *bufio.Writer
	color bool
}

// line writes a formatted line in colour c ("" for none). String
// arguments are shown printable: they come from policies and git.
func (t textWriter) line(c, format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = Printable(s)
		}
	}
	s := fmt.Sprintf(format, args...)
	if t.color && c != "" {
		body := strings.TrimSuffix(s, "\n")
		s = c + body + reset + s[len(body):]
	}
	t.w.WriteString(s)
}

func (t textWriter) header(p Plan) {
	if p.Base.SHA == "" && p.Head.SHA == "" {
		return
	}
	if p.Base.SHA == "" {
		t.line("", "Comparing live targets with the policies at %s.\n\n", p.Head.described(Printable))
		return
	}
	t.line("", "Comparing base %s with head %s.\n\n", p.Base.described(Printable), p.Head.described(Printable))
}

// destroyWarning lists, before anything else changes, the objects the plan
// deletes or replaces, as the markdown plan does.
func (t textWriter) destroyWarning(gone []apply.Change) {
	if len(gone) == 0 {
		return
	}
	t.line(red, "Caution: this plan %s:\n", destroySummary(gone))
	for _, c := range gone {
		t.line(red, "  %3s %s: %s %s\n", c.Action.Symbol(), c.Env, c.Action, c.Subject())
		if c.Reason != "" {
			t.line("", "      # %s\n", c.Reason)
		}
	}
	t.w.WriteString("\n")
}

// env writes one environment's changes, if it has any.
func (t textWriter) env(env string, cs apply.ChangeSet) {
	if cs.Empty() && len(cs.Kept) == 0 {
		return
	}
	if cs.Empty() {
		t.line(bold, "%s: no changes\n", env)
	} else {
		t.line(bold, "%s: %s\n", env, counts(cs))
	}
	for _, c := range cs.Changes {
		t.change(c)
	}
	for _, k := range cs.Kept {
		t.line("", "    # %s: %s\n", k.Subject(), keptNote)
	}
	t.w.WriteString("\n")
}

// change writes one change and its diff.
func (t textWriter) change(c apply.Change) {
	t.line(actionColor(c.Action), "  %3s %s %s\n", c.Action.Symbol(), c.Action, c.Subject())
	if c.Reason != "" {
		t.line("", "      # %s\n", c.Reason)
	}
	if c.Adopt {
		t.line("", "      # adopt: %s\n", adoptNote)
	}
	for i, l := range splitDiff(c.Impact) {
		if i == 0 {
			t.line("", "      # impact: %s\n", l)
		} else {
			t.line("", "      #   %s\n", l)
		}
	}
	for _, l := range splitDiff(c.Diff) {
		t.line(diffColor(l), "      %s\n", l)
	}
}

func actionColor(a apply.Action) string {
	switch a {
	case apply.Create:
		return green
	case apply.Update:
		return yellow
	case apply.Delete:
		return red
	}
	return magenta
}

func diffColor(l string) string {
	switch {
	case strings.HasPrefix(l, "+++ "), strings.HasPrefix(l, "--- "):
		return bold
	case strings.HasPrefix(l, "@@"):
		return cyan
	case strings.HasPrefix(l, "+"):
		return green
	case strings.HasPrefix(l, "-"):
		return red
	}
	return ""
}

// splitDiff splits a diff into lines without their newlines.
func splitDiff(d string) []string {
	if d == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(d, "\n"), "\n")
}

// access writes the access changes, when there are any.
func (t textWriter) access(cs []access.Change) {
	if len(cs) == 0 {
		return
	}
	t.line(bold, "Access changes:\n")
	shown, hidden := accessShown(cs)
	for _, c := range shown {
		t.line(accessColor(c.Kind), "  %s %s: %s\n", accessMark[c.Kind], c.Env, c.Text)
	}
	if hidden > 0 {
		t.line("", "  ... and %d more (the JSON plan lists them all; lingate access shows the matrix)\n", hidden)
	}
	t.line("", "\n")
}

// accessLimit is how many access changes text and markdown show; a
// first plan of a large repository gains thousands.
const accessLimit = 100

// accessShown are the changes shown and how many are not.
func accessShown(cs []access.Change) ([]access.Change, int) {
	if len(cs) <= accessLimit {
		return cs, 0
	}
	return cs[:accessLimit], len(cs) - accessLimit
}

// accessMark is the sign of an access change.
var accessMark = map[string]string{"gained": "+", "lost": "-", "changed": "~"}

// accessColor is the colour of an access change.
func accessColor(kind string) string {
	return map[string]string{"gained": green, "lost": red, "changed": yellow}[kind]
}
