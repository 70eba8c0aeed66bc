package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// MaxStepAnnotations is how many error annotations GitHub shows per step;
// it drops the rest silently.
const MaxStepAnnotations = 10

// checkBatch is how many annotations one check run request may carry.
const checkBatch = 50

// Problem is one problem in the policies, at a file relative to the
// repository's root.
type Problem struct {
	File      string
	Line, Col int
	Message   string
}

// Rank orders problems most relevant first: those in files the pull
// request changed, then the rest, each by file, line and column.
func Rank(ps []Problem, changed []string) []Problem {
	out := slices.Clone(ps)
	in := func(p Problem) int {
		if slices.Contains(changed, p.File) {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b Problem) int {
		if d := in(a) - in(b); d != 0 {
			return d
		}
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return out
}

// WriteAnnotations writes the first MaxStepAnnotations problems as
// ::error workflow commands, and a notice naming how many more there are.
func WriteAnnotations(w io.Writer, ps []Problem) {
	for i, p := range ps {
		if i == MaxStepAnnotations {
			fmt.Fprintf(w, "::notice::%s\n", escapeData(fmt.Sprintf("%d more problems: see the check run, or run lingate validate", len(ps)-i)))
			return
		}
		var props []string
		if p.File != "" {
			props = append(props, "file="+escapeProperty(p.File))
			if p.Line > 0 {
				props = append(props, "line="+strconv.Itoa(p.Line))
			}
			if p.Col > 0 {
				props = append(props, "col="+strconv.Itoa(p.Col))
			}
		}
		fmt.Fprintf(w, "::error %s::%s\n", strings.Join(props, ","), escapeData(p.Message))
	}
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// CheckRunProblems reports every problem on commit sha in a completed,
// failing check run named name, 50 annotations per request. ok is false,
// with no error, when the token may not create check runs (a personal
// access token, a read-only token on a fork's pull request).
func (c *Client) CheckRunProblems(ctx context.Context, name, sha string, ps []Problem) (bool, error) {
	title := fmt.Sprintf("%d problems in the policies", len(ps))
	batch := func(i int) *gh.CheckRunOutput {
		out := &gh.CheckRunOutput{Title: gh.String(title), Summary: gh.String(title + "; each is annotated on its line.")}
		for _, p := range ps[i:min(i+checkBatch, len(ps))] {
			out.Annotations = append(out.Annotations, annotation(p))
		}
		return out
	}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, gh.CreateCheckRunOptions{
		Name: name, HeadSHA: sha, Status: gh.String("completed"), Conclusion: gh.String("failure"), Output: batch(0),
	})
	if s := statusOf(err); s == http.StatusForbidden || s == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check run %s: %w", name, err)
	}
	for i := checkBatch; i < len(ps); i += checkBatch {
		if _, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, run.GetID(), gh.UpdateCheckRunOptions{Name: name, Output: batch(i)}); err != nil {
			return false, fmt.Errorf("check run %s: annotations %d-%d: %w", name, i+1, min(i+checkBatch, len(ps)), err)
		}
	}
	return true, nil
}

// annotation is a problem as a check run annotation; columns are only
// valid on a single line, which a problem always is.
func annotation(p Problem) *gh.CheckRunAnnotation {
	line := max(p.Line, 1)
	a := &gh.CheckRunAnnotation{Path: gh.String(p.File), StartLine: gh.Int(line), EndLine: gh.Int(line),
		AnnotationLevel: gh.String("failure"), Message: gh.String(p.Message)}
	if p.Col > 0 {
		a.StartColumn, a.EndColumn = gh.Int(p.Col), gh.Int(p.Col)
	}
	return a
}

// ChangedFiles lists every page of the files a pull request changes (the
// API returns at most 3000).
func (c *Client) ChangedFiles(ctx context.Context, number int) ([]string, error) {
	var out []string
	opts := &gh.ListOptions{PerPage: 100}
	for {
		page, resp, err := c.gh.PullRequests.ListFiles(ctx, c.owner, c.repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("pull request #%d: list files: %w", number, err)
		}
		for _, f := range page {
			out = append(out, f.GetFilename())
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}
