package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/render"
)

// Ops are the lingate commands a CI run calls; the command line provides
// them, so ci plans and applies exactly as lingate plan and apply do.
type Ops struct {
	// Validate returns the problems of the policies in the work tree, with
	// files relative to the repository's root; err is any other failure.
	Validate func() ([]Problem, error)
	// PlanCommits plans envs (none: all) between two commits.
	PlanCommits func(base, head string, envs []string) (render.Plan, error)
	// PlanLive plans envs (none: all) against live targets, with the
	// policies at commit head ("": the work tree).
	PlanLive func(ctx context.Context, envs []string, head string) (render.Plan, error)
	// Apply applies envs (none: all) and returns the audit record.
	Apply func(ctx context.Context, envs []string) (apply.AuditRecord, error)
	// Policies names every environment of the policies in the work tree
	// and their release rule (nil when there is none).
	Policies func() (envs []string, rule *Rule, covered []string, err error)
}

// Run is one lingate ci run.
type Run struct {
	Event Event
	// Client is nil when there is no token: nothing is posted to GitHub.
	Client *Client
	Ops    Ops
	// Envs narrows the environments (--env); empty means all.
	Envs []string
	// LiveCheck says whether a pull request's plan also reads live state
	// (credentials are present).
	LiveCheck bool
	// Stdout takes workflow commands and the log.
	Stdout io.Writer
	// SummaryPath and OutputPath are $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT.
	SummaryPath, OutputPath string
	// RunURL links the workflow run.
	RunURL string
}

// ErrFailed ends a run whose failure was already reported.
var ErrFailed = errors.New("lingate ci failed")

// Do handles the event.
func (r Run) Do(ctx context.Context) error {
	switch r.Event.Name {
	case EventPullRequest:
		return r.pullRequest(ctx)
	case EventPush:
		return r.push(ctx)
	default:
		return r.drift(ctx)
	}
}

// key tells apart the comments of runs over different environments.
func (r Run) key() string {
	envs := slices.Clone(r.Envs)
	slices.Sort(envs)
	if len(envs) == 0 {
		return ""
	}
	return "envs=" + strings.Join(envs, ",")
}

func (r Run) pullRequest(ctx context.Context) error {
	pr := r.Event.PullRequest
	if r.Event.Action == "closed" {
		fmt.Fprintf(r.Stdout, "pull request #%d is closed: nothing to plan\n", pr.Number)
		return nil
	}
	problems, err := r.Ops.Validate()
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return r.invalid(ctx, problems)
	}
	p, err := r.Ops.PlanCommits(pr.Base.SHA, pr.Head.SHA, r.Envs)
	if err != nil {
		return err
	}
	body, err := PlanComment(p, r.liveNote(ctx, pr.Base.SHA), r.RunURL)
	if err != nil {
		return err
	}
	if err := r.comment(ctx, pr.Number, Marker("plan", r.key()), body); err != nil {
		return err
	}
	return r.outputs(p, body)
}

// invalid reports validation problems: annotations (the most relevant
// first), every one in a check run when the token allows, and the pull
// request comment.
func (r Run) invalid(ctx context.Context, problems []Problem) error {
	pr := r.Event.PullRequest
	var changed []string
	if r.Client != nil {
		changed, _ = r.Client.ChangedFiles(ctx, pr.Number)
	}
	ranked := Rank(problems, changed)
	WriteAnnotations(r.Stdout, ranked)
	if r.Client != nil {
		ok, err := r.Client.CheckRunProblems(ctx, "lingate validate", pr.Head.SHA, ranked)
		if err != nil {
			r.warn(err.Error())
		} else if !ok {
			r.warn("the token may not create check runs (checks: write, a GitHub App or GITHUB_TOKEN): only the first annotations are shown")
		}
	}
	if err := r.comment(ctx, pr.Number, Marker("plan", r.key()), ProblemsComment(ranked, r.RunURL)); err != nil {
		return err
	}
	if err := SetOutput(r.OutputPath, "changes", "false"); err != nil {
		return err
	}
	fmt.Fprintf(r.Stdout, "validate: %d problem(s) in the policies\n", len(problems))
	return ErrFailed
}

// liveNote says whether live state has drifted from the base commit's
// policies, when it can be read.
func (r Run) liveNote(ctx context.Context, base string) string {
	if !r.LiveCheck {
		return ""
	}
	p, err := r.Ops.PlanLive(ctx, r.Envs, base)
	if err != nil {
		return "> [!WARNING]\n> Live state could not be compared with the base: " + escapeMarkdown(firstLine(err.Error()))
	}
	var drifted []string
	for _, env := range p.Environments {
		if !p.Changes.In(env).Empty() {
			drifted = append(drifted, "`"+env+"`")
		}
	}
	if len(drifted) == 0 {
		return "Live state matches the base commit's policies: the apply will make exactly these changes."
	}
	return "> [!WARNING]\n> Live state has drifted from the base commit's policies in " + strings.Join(drifted, ", ") +
		": the apply will also undo that drift. Run `lingate plan --env NAME` to see it."
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// comment upserts a comment; a token that may not comment (a fork's pull
// request) is a warning, since the plan is also in the job summary.
func (r Run) comment(ctx context.Context, number int, marker, body string) error {
	if r.Client == nil {
		r.warn("no GitHub token: the plan is in the job summary only")
		return nil
	}
	url, err := r.Client.UpsertComment(ctx, number, marker, body)
	if s := statusOf(err); s == http.StatusForbidden || s == http.StatusNotFound {
		r.warn(fmt.Sprintf("cannot comment on pull request #%d (HTTP %d: a read-only token, as on a pull request from a fork; give the job pull-requests: write): the plan is in the job summary", number, s))
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Stdout, "comment: %s\n", url)
	return nil
}

// outputLimit keeps plan-json under GitHub's 1 MB per job output.
const outputLimit = 900_000

// planOutput is the plan-json output: the plan JSON, without the diffs
// when it is too large for an output (with a warning).
func (r Run) planOutput(p render.Plan) (string, error) {
	js, err := PlanJSON(p)
	if err != nil || len(js) <= outputLimit {
		return js, err
	}
	lean := p
	lean.Changes.Changes = slices.Clone(p.Changes.Changes)
	for i := range lean.Changes.Changes {
		lean.Changes.Changes[i].Diff = ""
	}
	r.warn(fmt.Sprintf("the plan JSON (%d bytes) is above GitHub's 1 MB output limit: plan-json leaves out the diffs", len(js)))
	return PlanJSON(lean)
}

func (r Run) warn(msg string) {
	fmt.Fprintf(r.Stdout, "::warning::%s\n", escapeData(msg))
}

// outputs writes the plan to the job summary and the step outputs.
func (r Run) outputs(p render.Plan, markdown string) error {
	if err := WriteSummary(r.SummaryPath, markdown); err != nil {
		return err
	}
	js, err := r.planOutput(p)
	if err != nil {
		return err
	}
	if err := SetOutput(r.OutputPath, "changes", fmt.Sprint(!p.Changes.Empty())); err != nil {
		return err
	}
	if err := SetOutput(r.OutputPath, "plan-json", js); err != nil {
		return err
	}
	fmt.Fprintf(r.Stdout, "plan: %d change(s)\n", len(p.Changes.Changes))
	return nil
}
