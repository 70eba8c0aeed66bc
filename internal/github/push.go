package github

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/render"
)

// push applies a commit on the default branch, once the pull request it
// came from has the approvals release asks for.
func (r Run) push(ctx context.Context) error {
	ev := r.Event
	if !ev.OnDefaultBranch() {
		fmt.Fprintf(r.Stdout, "push to %s, not to the default branch %q: nothing to apply\n", ev.Ref, ev.Repository.DefaultBranch)
		return nil
	}
	all, rule, covered, err := r.Ops.Policies()
	if err != nil {
		return err
	}
	targets := r.Envs
	if len(targets) == 0 {
		targets = all
	}
	gated := slices.DeleteFunc(slices.Clone(targets), func(env string) bool { return !slices.Contains(covered, env) })
	pr, approvers, err := r.approve(ctx, ev.After, rule, gated)
	if err != nil {
		return err
	}
	rec, applyErr := r.Ops.Apply(ctx, r.Envs)
	report := ApplyComment(rec, ev.After, approvers, r.RunURL)
	if rec.PlanDigest == "" {
		if applyErr == nil {
			return nil
		}
		// Refused before planning (a lock, an unreachable target): no record.
		report = "## lingate apply: failed\n\nNothing was applied: " + escapeMarkdown(applyErr.Error()) + "\n"
	}
	if pr != nil {
		if err := r.comment(ctx, pr.Number, Marker("apply", r.key()), report); err != nil {
			return err
		}
	}
	if err := WriteSummary(r.SummaryPath, report); err != nil {
		return err
	}
	if err := SetOutput(r.OutputPath, "changes", fmt.Sprint(len(rec.Changes) > 0)); err != nil {
		return err
	}
	return applyErr
}

// approve finds the merged pull request of commit sha and, when the
// environments gated by the rule are to be applied, checks its approvals.
// It reports a refusal (annotation, comment) and returns ErrFailed.
func (r Run) approve(ctx context.Context, sha string, rule *Rule, gated []string) (*Merged, []string, error) {
	need := rule != nil && len(gated) > 0
	if r.Client == nil {
		if need {
			return nil, nil, fmt.Errorf("release: applying %s needs approvals, which lingate ci reads from GitHub: pass github-token (GITHUB_TOKEN)", strings.Join(gated, ", "))
		}
		return nil, nil, nil
	}
	pr, ok, err := r.Client.MergedPullRequest(ctx, sha)
	if !need {
		// The pull request is only wanted for the result comment.
		if err != nil {
			r.warn(err.Error() + ": the result is in the job summary only")
		}
		if err != nil || !ok {
			return nil, nil, nil
		}
		return &pr, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		r.refuse(fmt.Sprintf("release: commit %s came from no merged pull request, and applying %s needs %d approval(s) on one: nothing was applied", short(sha), strings.Join(gated, ", "), max(rule.MinApprovals, 1)))
		return nil, nil, ErrFailed
	}
	a, err := r.Client.CheckApprovals(ctx, pr, *rule)
	if err != nil {
		return nil, nil, err
	}
	if a.Approved() {
		fmt.Fprintf(r.Stdout, "release: pull request #%d approved by %s\n", pr.Number, strings.Join(a.Approvers, ", "))
		return &pr, a.Approvers, nil
	}
	msg := fmt.Sprintf("release: pull request #%d lacks approvals to apply %s: %s; nothing was applied", pr.Number, strings.Join(gated, ", "), a.Missing(*rule, pr.Head))
	r.refuse(msg)
	body := "## lingate apply: refused\n\n" + escapeMarkdown(msg) + "\n"
	for _, why := range a.Ignored {
		body += "- not counted: " + escapeMarkdown(why) + "\n"
	}
	if r.RunURL != "" {
		body += fmt.Sprintf("\n[Workflow run](%s)\n", r.RunURL)
	}
	if err := r.comment(ctx, pr.Number, Marker("apply", r.key()), body); err != nil {
		return nil, nil, err
	}
	return nil, nil, ErrFailed
}

func (r Run) refuse(msg string) {
	fmt.Fprintf(r.Stdout, "::error::%s\n", escapeData(msg))
}

// drift plans every environment against live targets and keeps the job
// summary and one issue per environment up to date.
func (r Run) drift(ctx context.Context) error {
	p, err := r.Ops.PlanLive(ctx, r.Envs, "")
	if err != nil {
		return err
	}
	var summary strings.Builder
	summary.WriteString("## lingate drift\n\n" + SummaryTable(p) + "\n")
	for _, env := range p.Environments {
		one := render.Plan{Base: p.Base, Head: p.Head, Environments: []string{env}, Changes: p.Changes.In(env), Notes: p.Notes}
		report, err := DriftReport(env, one, r.RunURL)
		if err != nil {
			return err
		}
		summary.WriteString(report + "\n")
		drifted := !one.Changes.Empty()
		if drifted {
			fmt.Fprintf(r.Stdout, "::warning::%s\n", escapeData(fmt.Sprintf("drift in %s: %s", env, counts(one.Changes))))
		}
		if r.Client == nil {
			continue
		}
		url, err := r.Client.DriftIssue(ctx, env, drifted, report)
		if err != nil {
			return err
		}
		if url != "" {
			fmt.Fprintf(r.Stdout, "drift issue %s: %s\n", env, url)
		}
	}
	return r.outputs(p, summary.String())
}

func counts(cs apply.ChangeSet) string {
	s := cs.Summary()
	return fmt.Sprintf("%d to create, %d to update, %d to delete", s.Create, s.Update, s.Delete)
}
