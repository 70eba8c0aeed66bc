package github

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/render"
)

// SummaryTable is the plan's first lines on a pull request: per
// environment, how many objects it creates, updates, deletes and replaces.
func SummaryTable(p render.Plan) string {
	var b strings.Builder
	b.WriteString("| Environment | Create | Update | Delete | Replace |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, env := range p.Environments {
		n := map[apply.Action]int{}
		for _, c := range p.Changes.In(env).Changes {
			n[c.Action]++
		}
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %d |\n", env, n[apply.Create], n[apply.Update], n[apply.Delete], n[apply.Replace])
	}
	return b.String()
}

// PlanComment is the pull request's plan comment: the summary table, a
// drift note when live state was checked, the plan with each object's diff
// collapsed, and the run's link.
func PlanComment(p render.Plan, drift, runURL string) (string, error) {
	var md bytes.Buffer
	if err := render.Markdown(&md, p); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("## lingate plan\n\n" + SummaryTable(p) + "\n")
	if drift != "" {
		b.WriteString(drift + "\n\n")
	}
	// The table above replaces the renderer's own heading.
	rest, _ := strings.CutPrefix(md.String(), "### lingate plan\n\n")
	b.WriteString(rest)
	if runURL != "" {
		fmt.Fprintf(&b, "\n[Workflow run](%s)\n", runURL)
	}
	return b.String(), nil
}

// PlanJSON is the plan's JSON document, as lingate plan --format json
// prints it.
func PlanJSON(p render.Plan) (string, error) {
	var b bytes.Buffer
	err := render.JSON(&b, p)
	return b.String(), err
}

// ProblemsComment is the pull request's comment when the policies do not
// validate: every problem (up to what a comment holds) with its place.
func ProblemsComment(ps []Problem, runURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## lingate plan\n\n> [!CAUTION]\n> The policies do not validate: %d problem(s). Nothing was planned.\n\n", len(ps))
	for _, p := range ps {
		fmt.Fprintf(&b, "- `%s:%d:%d`: %s\n", strings.ReplaceAll(p.File, "`", "'"), p.Line, p.Col, escapeMarkdown(p.Message))
	}
	if runURL != "" {
		fmt.Fprintf(&b, "\n[Workflow run](%s)\n", runURL)
	}
	return b.String()
}

// escapeMarkdown keeps a message from a policy file from being read as
// markdown or HTML.
func escapeMarkdown(s string) string {
	s = render.Printable(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]<>()#+-.!|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ApplyComment reports an apply of the pushed commit on the pull request it
// came from: each change's result, the audit record's digest and the run's
// link.
func ApplyComment(rec apply.AuditRecord, pushed string, approvers []string, runURL string) string {
	var b strings.Builder
	commit := rec.Commit
	if commit == "" {
		commit = pushed
	}
	fmt.Fprintf(&b, "## lingate apply: %s\n\n", rec.Result)
	fmt.Fprintf(&b, "Commit `%s` applied to %s", short(commit), envList(rec.Environments))
	if len(approvers) > 0 {
		fmt.Fprintf(&b, ", approved by %s", strings.Join(approvers, ", "))
	}
	b.WriteString(".\n\n")
	if len(rec.Changes) > 0 {
		b.WriteString("| Environment | Action | System | Kind | Name | Status |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, c := range rec.Changes {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | `%s` | %s |\n", c.Env, c.Action, c.System, c.Kind, strings.ReplaceAll(c.Name, "`", "'"), c.Status)
		}
		b.WriteString("\n")
	}
	if rec.Error != "" {
		fmt.Fprintf(&b, "Error: %s\n\n", escapeMarkdown(rec.Error))
	}
	fmt.Fprintf(&b, "Audit record: plan digest `%s`.\n", rec.PlanDigest)
	if runURL != "" {
		fmt.Fprintf(&b, "\n[Workflow run](%s)\n", runURL)
	}
	return b.String()
}

func envList(envs []string) string {
	if len(envs) == 0 {
		return "no environment"
	}
	q := make([]string, len(envs))
	for i, e := range envs {
		q[i] = "`" + e + "`"
	}
	return strings.Join(q, ", ")
}

// DriftReport is an environment's drift: the live plan, as markdown.
func DriftReport(env string, p render.Plan, runURL string) (string, error) {
	var md bytes.Buffer
	if err := render.Markdown(&md, p); err != nil {
		return "", err
	}
	var b strings.Builder
	if p.Changes.Empty() {
		fmt.Fprintf(&b, "No drift in `%s`: live state matches the policies.\n", env)
	} else {
		fmt.Fprintf(&b, "## Drift in `%s`\n\nLive state differs from the policies on the default branch; an apply would make these changes:\n\n%s", env, md.String())
	}
	if runURL != "" {
		fmt.Fprintf(&b, "\n[Workflow run](%s)\n", runURL)
	}
	return b.String(), nil
}
