// Package render prints a plan's ChangeSet for people and machines: text
// for a terminal (render.Text), markdown for a pull request
// (render.Markdown) and the versioned plan JSON (render.JSON). Renderers
// only format; they never decide what changed or whether to use colour.
package render

import (
	"fmt"
	"strings"

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
}

// Commit is one side of a plan.
type Commit struct {
	SHA string
	// Label tells people what the commit is, such as "main" or
	// "merge-base of main and HEAD"; may be empty.
	Label string
}

// Source is the plan's commits as the JSON names them.
func (p Plan) Source() apply.Source { return apply.Source{Base: p.Base.SHA, Head: p.Head.SHA} }

// short abbreviates a SHA as git does.
func short(sha string) string { return sha[:min(7, len(sha))] }

// described is "1a2b3c4 (label)", or just the short SHA without a label
// or with one that only repeats the SHA.
func (c Commit) described(quote func(string) string) string {
	s := quote(short(c.SHA))
	if c.Label == "" || strings.HasPrefix(c.SHA, c.Label) {
		return s
	}
	return s + " (" + c.Label + ")"
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

// keptNote explains why a removed object stays.
const keptNote = "removed from the policies, not deleted because prune is off"
