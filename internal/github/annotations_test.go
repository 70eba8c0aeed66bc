package github

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/github/githubtest"
	"github.com/lingate/lingate/internal/render"
)

func problems(n int) []Problem {
	out := make([]Problem, n)
	for i := range out {
		out[i] = Problem{File: fmt.Sprintf("policies/f%03d.cue", i), Line: i + 1, Col: 3, Message: fmt.Sprintf("problem %d", i)}
	}
	return out
}

func TestWriteAnnotationsWithinTheStepLimit(t *testing.T) {
	ps := append(problems(11), Problem{File: "policies/a,b:c.cue", Line: 2, Col: 1, Message: "100% wrong\nsecond line"})
	ranked := Rank(ps, []string{"policies/a,b:c.cue", "policies/f010.cue"})
	var out bytes.Buffer
	WriteAnnotations(&out, ranked)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != MaxStepAnnotations+1 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	if lines[0] != "::error file=policies/a%2Cb%3Ac.cue,line=2,col=1::100%25 wrong%0Asecond line" {
		t.Errorf("first (a changed file, escaped) = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "::error file=policies/f010.cue,line=11,col=3::") {
		t.Errorf("second (the other changed file) = %q", lines[1])
	}
	if lines[10] != "::notice::2 more problems: see the check run, or run lingate validate" {
		t.Errorf("last = %q", lines[10])
	}
}

func TestCheckRunInBatchesOf50(t *testing.T) {
	srv, c := fake(t, githubtest.State{})
	ok, err := c.CheckRunProblems(context.Background(), "lingate validate", headSHA, problems(120))
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	runs := srv.State().CheckRuns
	if len(runs) != 1 || len(runs[0].Annotations) != 120 || runs[0].HeadSHA != headSHA {
		t.Fatalf("check runs %+v", runs)
	}
	if n := srv.Count("PATCH", "/repos/o/r/check-runs/"); n != 2 {
		t.Errorf("%d updates, want 2 (50 + 50 + 20)", n)
	}
	if got := runs[0].Annotations[119]["message"]; got != "problem 119" {
		t.Errorf("last annotation %v", got)
	}
	_, c2 := fake(t, githubtest.State{NoChecks: true})
	if ok, err := c2.CheckRunProblems(context.Background(), "lingate validate", headSHA, problems(3)); ok || err != nil {
		t.Errorf("a token without checks: ok=%v err=%v", ok, err)
	}
}

func TestSetOutputMultiline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output")
	value := "{\n  \"a\": \"EOF\"\n}\n"
	if err := SetOutput(path, "plan-json", value); err != nil {
		t.Fatal(err)
	}
	if err := SetOutput(path, "changes", "true"); err != nil {
		t.Fatal(err)
	}
	got := parseOutputs(t, path)
	if got["plan-json"] != strings.TrimSuffix(value, "\n") || got["changes"] != "true" {
		t.Errorf("outputs %q", got)
	}
}

// parseOutputs reads a $GITHUB_OUTPUT file as the runner does.
func parseOutputs(t *testing.T, path string) map[string]string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("output %s: delimiter %s not found", name, delim)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func TestWriteSummaryStaysUnder1MiB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary")
	if err := WriteSummary(path, bigPlan(40000)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if len(data) >= SummaryLimit || !strings.Contains(string(data), "longer than a job summary may be") {
		t.Fatalf("summary of %d bytes", len(data))
	}
	balanced(t, string(data))
}

func TestDriftIssueLifecycle(t *testing.T) {
	ctx := context.Background()
	srv, c := fake(t, githubtest.State{Issues: []*githubtest.Issue{{Number: 1, Title: "unrelated", Body: "hello", State: "open"}}})
	if url, err := c.DriftIssue(ctx, "prod", false, "no drift"); err != nil || url != "" {
		t.Fatalf("no drift, no issue: %q %v", url, err)
	}
	if _, err := c.DriftIssue(ctx, "prod", true, "drift one"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DriftIssue(ctx, "staging", true, "drift in staging"); err != nil {
		t.Fatal(err)
	}
	issue := func(env string) *githubtest.Issue {
		for _, is := range srv.State().Issues {
			if strings.HasPrefix(is.Body, Marker("drift", "env="+env)) {
				return is
			}
		}
		return nil
	}
	if is := issue("prod"); is == nil || is.State != "open" || !strings.HasSuffix(is.Body, "drift one") {
		t.Fatalf("prod issue %+v", is)
	}
	if _, err := c.DriftIssue(ctx, "prod", false, "no drift"); err != nil {
		t.Fatal(err)
	}
	if is := issue("prod"); is.State != "closed" {
		t.Fatalf("prod issue not closed: %+v", is)
	}
	if _, err := c.DriftIssue(ctx, "prod", true, "drift two"); err != nil {
		t.Fatal(err)
	}
	if is := issue("prod"); is.State != "open" || !strings.HasSuffix(is.Body, "drift two") {
		t.Fatalf("prod issue not reopened: %+v", is)
	}
	if n := srv.Count("POST", "/repos/o/r/issues"); n != 3 {
		t.Errorf("%d POSTs (2 issues + 1 closing comment), want 3", n)
	}
	if len(srv.State().Issues) != 3 {
		t.Errorf("%d issues, want one per environment and the unrelated one", len(srv.State().Issues))
	}
}

func TestPlanOutputLeavesOutDiffsAboveTheLimit(t *testing.T) {
	diff := strings.Repeat("+ a long line of a diff\n", 50_000)
	p := render.Plan{Environments: []string{"prod"}, Changes: apply.ChangeSet{Changes: []apply.Change{
		{Ref: apply.Ref{Env: "prod", System: "apigee", Kind: "proxy", Name: "payments"}, Action: apply.Update, Diff: diff},
	}}}
	var log bytes.Buffer
	js, err := Run{Stdout: &log}.planOutput(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > outputLimit || !strings.Contains(js, `"name": "payments"`) || strings.Contains(js, "a long line") {
		t.Errorf("plan-json of %d bytes", len(js))
	}
	if !strings.Contains(log.String(), "::warning::the plan JSON") {
		t.Errorf("no warning: %q", log.String())
	}
}
