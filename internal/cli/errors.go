package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lingate/lingate/internal/render"
	"github.com/lingate/lingate/schema"
)

// Output formats.
const (
	formatText = "text"
	formatJSON = "json"
)

// printError is the one place lingate prints an error. Problems in the
// policies print one per line as file:line:col: path: message, with any
// related positions indented below; with --format json they print as a JSON
// document on stdout instead.
func printError(e *env, err error) {
	var errs schema.Errors
	if !errors.As(err, &errs) {
		var one schema.Error
		if errors.As(err, &one) {
			errs = schema.Errors{one}
		}
	}
	if e.format == formatJSON {
		printJSONError(e, err, errs)
		return
	}
	if errs == nil {
		fmt.Fprintf(e.stderr, "error: %s\n", visible(err.Error()))
		return
	}
	for _, pe := range errs {
		fmt.Fprintln(e.stderr, visible(pe.Error()))
		for i := range pe.Related {
			fmt.Fprintf(e.stderr, "\t%s: see also\n", visible(pe.RelatedString(i)))
		}
	}
	if len(errs) > 1 {
		fmt.Fprintf(e.stderr, "%d errors\n", len(errs))
	}
}

// visible keeps an error's line breaks but shows any other control
// character as an escape: file names and values come from pull requests,
// and a terminal must not act on them.
func visible(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = render.Printable(l)
	}
	return strings.Join(lines, "\n")
}

// jsonResult is the JSON document validate prints, and errors print with
// --format json. A problem found at a commit (plan) names it in its own
// commit field.
type jsonResult struct {
	Valid    bool                 `json:"valid"`
	Errors   []render.JSONProblem `json:"errors"`
	Warnings []render.JSONProblem `json:"warnings"`
	Counts   map[string]int       `json:"counts,omitempty"`
}

func printJSONError(e *env, err error, errs schema.Errors) {
	res := jsonResult{Errors: render.Problems(errs), Warnings: []render.JSONProblem{}}
	if errs == nil {
		res.Errors = append(res.Errors, render.JSONProblem{Message: err.Error()})
	}
	writeJSON(e, res)
}

func writeJSON(e *env, v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
