package render

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/schema"
)

// Markdown writes the plan for a pull request (GitHub-flavoured markdown):
// the totals and the commits compared, a warning first when anything is
// deleted or replaced, the plan's notes, then per environment a table of
// its changes and each changed object's diff in a collapsed <details>
// block. Every name from the policies is escaped, and diff fences are
// longer than any run of backticks in the diff, so nothing in a policy can
// break the layout.
func Markdown(w io.Writer, p Plan) error {
	m := bufio.NewWriter(w)
	fmt.Fprintf(m, "### lingate plan\n\n**%s**", totals(p.Changes))
	if p.Base.SHA == "" && p.Head.SHA != "" {
		fmt.Fprintf(m, " Live targets against the policies at %s.", p.Head.described(code))
	} else if p.Base.SHA != "" || p.Head.SHA != "" {
		fmt.Fprintf(m, " Base %s, head %s.", p.Base.described(code), p.Head.described(code))
	}
	m.WriteString("\n\n")
	warnings(m, p.Warnings)
	destroyWarning(m, p.Changes.Destructive())
	for _, n := range p.Notes {
		fmt.Fprintf(m, "> [!NOTE]\n> %s\n\n", escape(n))
	}
	baseErrors(m, p)
	markdownAccess(m, p.Access)
	for _, env := range p.Environments {
		markdownEnv(m, env, p.Changes.In(env))
	}
	if quiet := p.quiet(); len(quiet) > 0 {
		names := make([]string, len(quiet))
		for i, env := range quiet {
			names[i] = code(env)
		}
		fmt.Fprintf(m, "No changes in %s.\n", strings.Join(names, ", "))
	}
	return m.Flush()
}

// warnings writes the plan's warnings as one alert, each at its position.
func warnings(m *bufio.Writer, ws []schema.Error) {
	if len(ws) == 0 {
		return
	}
	m.WriteString("> [!WARNING]\n")
	for _, w := range ws {
		m.WriteString("> - ")
		if where := strings.TrimSuffix(w.Where(), ": "); where != "" {
			fmt.Fprintf(m, "%s: ", code(where))
		}
		if w.Path != "" {
			fmt.Fprintf(m, "%s: ", code(w.Path))
		}
		fmt.Fprintf(m, "%s\n", escape(w.Msg))
	}
	m.WriteString("\n")
}

// baseErrors lists the problems of an invalid base, when head is valid.
func baseErrors(m *bufio.Writer, p Plan) {
	if len(p.BaseErrors) == 0 {
		return
	}
	fmt.Fprintf(m, "> [!IMPORTANT]\n> Base %s is invalid; head %s is valid. The problems at base:\n", code(short(p.Base.SHA)), code(short(p.Head.SHA)))
	for _, e := range p.BaseErrors {
		fmt.Fprintf(m, "> - %s\n", code(e.Error()))
	}
	m.WriteString("\n")
}

// destroyWarning lists the objects the plan deletes, replaced ones included.
func destroyWarning(m *bufio.Writer, gone []apply.Change) {
	if len(gone) == 0 {
		return
	}
	fmt.Fprintf(m, "> [!CAUTION]\n> This plan %s:\n", destroySummary(gone))
	for _, c := range gone {
		fmt.Fprintf(m, "> - %s: %s %s %s %s", code(c.Env), c.Action, escape(c.System), escape(c.Kind), code(c.Name))
		if c.Reason != "" {
			fmt.Fprintf(m, " (%s)", escape(c.Reason))
		}
		m.WriteString("\n")
	}
	m.WriteString("\n")
}

// destroySummary says how many objects gone deletes and replaces: "deletes
// 2 objects and replaces 1 (deleted, then created again)".
func destroySummary(gone []apply.Change) string {
	replaced := 0
	for _, c := range gone {
		if c.Action == apply.Replace {
			replaced++
		}
	}
	what := "deletes " + plural(len(gone)-replaced, "object")
	switch {
	case replaced == len(gone):
		what = "replaces " + plural(replaced, "object") + " (deleted, then created again)"
	case replaced > 0:
		what += fmt.Sprintf(" and replaces %d (deleted, then created again)", replaced)
	}
	return what
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// markdownEnv writes one environment's table and diffs, if it has changes
// or kept objects.
func markdownEnv(m *bufio.Writer, env string, cs apply.ChangeSet) {
	if cs.Empty() && len(cs.Kept) == 0 {
		return
	}
	summary := counts(cs)
	if cs.Empty() {
		summary = "no changes"
	}
	fmt.Fprintf(m, "#### %s: %s\n\n", code(env), summary)
	if !cs.Empty() {
		m.WriteString("| | Action | System | Kind | Name |\n| --- | --- | --- | --- | --- |\n")
		for _, c := range cs.Changes {
			fmt.Fprintf(m, "| %s | %s | %s | %s | %s |\n", cell(c.Action.Symbol()), c.Action, escape(c.System), escape(c.Kind), cell(c.Name))
		}
		m.WriteString("\n")
		markdownNotes(m, cs.Changes)
	}
	for _, c := range cs.Changes {
		details(m, c)
	}
	for _, k := range cs.Kept {
		fmt.Fprintf(m, "- %s %s %s: %s.\n", escape(k.System), escape(k.Kind), code(k.Name), keptNote)
	}
	if len(cs.Kept) > 0 {
		m.WriteString("\n")
	}
}

// markdownNotes lists what changes against live targets do beyond their
// object (impact) and which take an object over (adopt).
func markdownNotes(m *bufio.Writer, changes []apply.Change) {
	wrote := false
	for _, c := range changes {
		if c.Adopt {
			fmt.Fprintf(m, "- Adopt %s %s %s: %s.\n", escape(c.System), escape(c.Kind), code(c.Name), adoptNote)
			wrote = true
		}
		if c.Action == apply.Update && c.Reason != "" {
			// An update of an object that matches the policies but does
			// not work live (a replace's reason is in the caution).
			fmt.Fprintf(m, "- Update %s %s %s: %s\n", escape(c.System), escape(c.Kind), code(c.Name), escape(c.Reason))
			wrote = true
		}
		for i, l := range splitDiff(c.Impact) {
			if i == 0 {
				fmt.Fprintf(m, "- Impact of %s %s %s: %s\n", escape(c.System), escape(c.Kind), code(c.Name), escape(l))
			} else {
				fmt.Fprintf(m, "  %s\n", escape(l))
			}
			wrote = true
		}
	}
	if wrote {
		m.WriteString("\n")
	}
}

// details writes a change's diff as a collapsed block.
func details(m *bufio.Writer, c apply.Change) {
	if c.Diff == "" {
		return
	}
	fmt.Fprintf(m, "<details><summary><code>%s</code> %s %s %s <code>%s</code></summary>\n\n",
		htmlText(c.Action.Symbol()), c.Action, htmlText(c.System), htmlText(c.Kind), htmlText(c.Name))
	if c.Reason != "" {
		fmt.Fprintf(m, "%s.\n\n", escape(c.Reason))
	}
	diff := printableLines(c.Diff)
	fence := fenceFor(diff)
	fmt.Fprintf(m, "%sdiff\n%s%s\n\n</details>\n\n", fence, diff, fence)
}

// printableLines shows each line of a diff printable.
func printableLines(d string) string {
	var b strings.Builder
	for _, l := range splitDiff(d) {
		b.WriteString(Printable(l))
		b.WriteByte('\n')
	}
	return b.String()
}

// markdownHTML escapes what would start a tag or an entity in markdown
// text. (html.EscapeString also writes ' as &#39;, whose # the markdown
// escape would then break.)
var markdownHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// htmlText is s as the text of an HTML element.
func htmlText(s string) string { return html.EscapeString(Printable(s)) }

// fenceFor returns a code fence longer than any run of backticks in s.
func fenceFor(s string) string { return strings.Repeat("`", max(3, longestRun(s)+1)) }

// longestRun is the length of the longest run of backticks in s.
func longestRun(s string) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// code renders s as inline code, with a delimiter longer than any run of
// backticks inside it. Inside code, nothing is markup or a mention.
func code(s string) string {
	s = Printable(s)
	delim := strings.Repeat("`", longestRun(s)+1)
	if strings.Contains(s, "`") {
		s = " " + s + " "
	}
	return delim + s + delim
}

// cell renders s as inline code in a table cell, where | must be escaped
// even inside code.
func cell(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

// escape makes s literal text in markdown: HTML and markdown punctuation
// are escaped, so a name cannot open a link, emphasis, a tag or a cell.
func escape(s string) string {
	var b strings.Builder
	for _, r := range markdownHTML.Replace(Printable(s)) {
		if strings.ContainsRune("\\`*_[]|~#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// markdownAccess writes the access changes, when there are any.
func markdownAccess(m *bufio.Writer, cs []access.Change) {
	if len(cs) == 0 {
		return
	}
	m.WriteString("#### Access changes\n\n")
	shown, hidden := accessShown(cs)
	for _, c := range shown {
		fmt.Fprintf(m, "- %s %s: %s\n", code(accessMark[c.Kind]), code(c.Env), escape(c.Text))
	}
	if hidden > 0 {
		fmt.Fprintf(m, "- ... and %d more (the JSON plan lists them all)\n", hidden)
	}
	m.WriteString("\n")
}
