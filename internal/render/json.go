package render

import (
	"encoding/json"
	"io"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/schema"
)

// jsonPlan is the plan JSON: the versioned document (source, changes,
// summary) and everything else the text shows, so a machine reads all a
// person does.
type jsonPlan struct {
	apply.Document
	Commits      *jsonCommits  `json:"commits,omitempty"`
	Environments []string      `json:"environments"`
	Notes        []string      `json:"notes"`
	Kept         []jsonKept    `json:"kept"`
	Warnings     []JSONProblem `json:"warnings"`
	Valid        jsonValidity  `json:"valid"`
	BaseErrors   []JSONProblem `json:"base_errors"`
	// Access are the access changes; left out when there are none.
	Access []access.Change `json:"access_changes,omitempty"`
}

// jsonValidity says whether the policies were valid at each commit. A
// plan is made only when head is valid; an invalid base is planned
// against nothing, and its problems are in base_errors.
type jsonValidity struct {
	Base bool `json:"base"`
	Head bool `json:"head"`
}

// jsonCommits are the commits compared, as the user named them.
type jsonCommits struct {
	Base jsonCommit `json:"base"`
	Head jsonCommit `json:"head"`
}

type jsonCommit struct {
	SHA           string `json:"sha"`
	Label         string `json:"label,omitempty"`
	MergeBaseWith string `json:"merge_base_with,omitempty"`
}

// jsonKept is an object left in place because its environment does not
// prune; not a change.
type jsonKept struct {
	apply.Ref
	Reason string `json:"reason"`
}

// JSONProblem is a warning or an error as lingate's JSON outputs give it:
// the position, the commit it was found at (for a plan), the path and the
// message.
type JSONProblem struct {
	Commit  string            `json:"commit,omitempty"`
	File    string            `json:"file,omitempty"`
	Line    int               `json:"line,omitempty"`
	Col     int               `json:"col,omitempty"`
	Path    string            `json:"path,omitempty"`
	Message string            `json:"message"`
	Related []schema.Position `json:"related,omitempty"`
}

// Problems turns errors or warnings into their JSON form; [] for none.
func Problems(es []schema.Error) []JSONProblem {
	out := make([]JSONProblem, len(es))
	for i, e := range es {
		out[i] = JSONProblem{Commit: e.Commit, File: e.Pos.File, Line: e.Pos.Line, Col: e.Pos.Col, Path: e.Path, Message: e.Msg, Related: e.Related}
	}
	return out
}

// JSON writes the plan as the versioned plan JSON (format_version 1):
// source, changes and summary, then the commits as named, the
// environments, the notes, the kept objects and the warnings; indented,
// with a trailing newline.
func JSON(w io.Writer, p Plan) error {
	doc := jsonPlan{
		Document:     apply.NewDocument(p.Source(), p.Changes),
		Environments: nonNil(p.Environments),
		Notes:        nonNil(p.Notes),
		Kept:         []jsonKept{},
		Warnings:     Problems(p.Warnings),
		Valid:        jsonValidity{Base: len(p.BaseErrors) == 0, Head: true},
		BaseErrors:   Problems(p.BaseErrors),
		Access:       p.Access,
	}
	if p.Base.SHA != "" || p.Head.SHA != "" {
		doc.Commits = &jsonCommits{Base: jsonCommit(p.Base), Head: jsonCommit(p.Head)}
	}
	for _, k := range p.Changes.Kept {
		doc.Kept = append(doc.Kept, jsonKept{Ref: k, Reason: keptNote})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// nonNil is s, or an empty slice, so the JSON holds [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
