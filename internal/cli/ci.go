package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/internal/github"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/render"
	"github.com/lingate/lingate/schema"
)

// ciOptions are the flags of lingate ci.
type ciOptions struct {
	envs []string
}

func newCICmd(e *env) *cobra.Command {
	var opts ciOptions
	cmd := &cobra.Command{
		Use:   "ci [--env NAME]...",
		Short: "Run in GitHub Actions: plan pull requests, apply approved merges, report drift",
		Long: `ci reads the GitHub Actions event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH) and:

  pull_request         validates (problems as ::error annotations, the ones in
                       files the pull request changes first, every one in a
                       check run when the token may create them), plans
                       pull_request.base.sha..head.sha and keeps one plan
                       comment on the pull request, edited in place (split
                       when above GitHub's limit); with Apigee/LINSTOR
                       credentials it also says whether live state drifted
                       from the base
  push                 on the default branch: finds the merged pull request,
                       checks the approvals release asks for (nothing is
                       applied without them: exit 1), applies, and comments
                       the result and the audit record's digest
  schedule,            plans every environment against live targets and
  workflow_dispatch    keeps one drift issue per environment

Every run writes the job summary ($GITHUB_STEP_SUMMARY) and the outputs
changes and plan-json ($GITHUB_OUTPUT). GitHub is reached at GITHUB_API_URL
(with or without /api/v3) with GITHUB_TOKEN, which is never printed;
rate-limited calls are retried. Without a token nothing is posted.

Exit codes: 0 done, 1 invalid policies, missing approvals or failure.`,
		Example: `  # in a workflow step (the action at the repository root does this)
  lingate ci --policies policies

  # apply only the staging environment on push
  lingate ci --env staging`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCI(cmd.Context(), e, opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.envs, "env", nil, "only environment `NAME` (repeatable; default: all)")
	return cmd
}

func runCI(ctx context.Context, e *env, opts ciOptions) error {
	ev, err := github.ReadEvent(e.getenv("GITHUB_EVENT_NAME"), e.getenv("GITHUB_EVENT_PATH"))
	if err != nil {
		return fmt.Errorf("ci: %w", err)
	}
	var client *github.Client
	if token := e.getenv("GITHUB_TOKEN"); token != "" {
		client, err = github.NewClient(github.ClientOptions{APIURL: e.getenv("GITHUB_API_URL"), Token: token, Repository: e.getenv("GITHUB_REPOSITORY")})
		if err != nil {
			return fmt.Errorf("ci: %w", err)
		}
	}
	run := github.Run{
		Event: ev, Client: client, Ops: ciOps(e), Envs: opts.envs, LiveCheck: hasCredentials(e.getenv),
		Stdout: e.stdout, SummaryPath: e.getenv("GITHUB_STEP_SUMMARY"), OutputPath: e.getenv("GITHUB_OUTPUT"), RunURL: runURL(e.getenv),
	}
	err = run.Do(ctx)
	if errors.Is(err, github.ErrFailed) {
		return exitCode(ExitFailed)
	}
	if err != nil {
		return fmt.Errorf("ci: %w", err)
	}
	return nil
}

// ciOps are the commands lingate ci runs, the same functions plan and
// apply run.
func ciOps(e *env) github.Ops {
	return github.Ops{
		Validate: func() ([]github.Problem, error) { return ciValidate(e) },
		PlanCommits: func(base, head string, envs []string) (render.Plan, error) {
			p, err := planCommits(e, plan.Options{Policies: e.policies, Base: base, Head: head, Envs: envs})
			return p.View, err
		},
		PlanLive: func(ctx context.Context, envs []string, head string) (render.Plan, error) {
			lo, err := e.liveOptions(envs, nil, head)
			if err != nil {
				return render.Plan{}, err
			}
			p, err := plan.Live(ctx, lo)
			if err != nil {
				return render.Plan{}, err
			}
			return p.View, p.Close()
		},
		Apply:    func(ctx context.Context, envs []string) (apply.AuditRecord, error) { return ciApply(ctx, e, envs) },
		Policies: func() ([]string, *github.Rule, []string, error) { return ciPolicies(e) },
	}
}

// ciValidate validates the policies in the work tree; problems name files
// relative to the repository's root (GITHUB_WORKSPACE).
func ciValidate(e *env) ([]github.Problem, error) {
	cfg, err := loadPolicies(e.policies)
	if err == nil {
		err = compile.Check(cfg)
	}
	var errs schema.Errors
	var one schema.Error
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &errs):
	case errors.As(err, &one):
		errs = schema.Errors{one}
	default:
		return nil, err
	}
	prefix := workspacePrefix(e.getenv("GITHUB_WORKSPACE"))
	out := make([]github.Problem, len(errs))
	for i, pe := range errs {
		msg := pe.Msg
		if pe.Path != "" {
			msg = pe.Path + ": " + msg
		}
		file := ""
		if pe.Pos.File != "" {
			file = path.Join(prefix, filepath.ToSlash(pe.Pos.File))
		}
		out[i] = github.Problem{File: file, Line: pe.Pos.Line, Col: pe.Pos.Col, Message: msg}
	}
	return out, nil
}

// workspacePrefix is the working directory relative to the repository's
// root, where annotations' paths start.
func workspacePrefix(ws string) string {
	cwd, err := os.Getwd()
	if ws == "" || err != nil {
		return ""
	}
	rel, err := filepath.Rel(ws, cwd)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return ""
	}
	return filepath.ToSlash(rel)
}

// ciApply runs lingate apply --auto-approve --format json and returns its
// audit record; progress goes to the log.
func ciApply(ctx context.Context, e *env, envs []string) (apply.AuditRecord, error) {
	var out bytes.Buffer
	sub := *e
	sub.stdout, sub.stderr = &out, e.stdout
	err := runApply(ctx, &sub, applyOptions{envs: envs, autoApprove: true, format: formatJSON,
		concurrency: apply.DefaultConcurrency, lockTTL: apply.DefaultLockTTL})
	var rec apply.AuditRecord
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &rec); jerr != nil {
			return rec, errors.Join(err, fmt.Errorf("apply: read the audit record: %w", jerr))
		}
	}
	return rec, err
}

// ciPolicies names the environments of the policies in the work tree, the
// release rule and the environments it covers.
func ciPolicies(e *env) ([]string, *github.Rule, []string, error) {
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return nil, nil, nil, err
	}
	envs := cfg.EnvironmentNames()
	rel := cfg.Release
	if rel == nil {
		return envs, nil, nil, nil
	}
	covered := rel.Environments
	if len(covered) == 0 {
		covered = envs
	}
	return envs, &github.Rule{Teams: rel.Approvers.Teams, Users: rel.Approvers.Users, MinApprovals: rel.MinApprovals}, covered, nil
}

// hasCredentials reports whether Apigee or LINSTOR credentials are set, so
// a pull request's plan can also read live state.
func hasCredentials(getenv func(string) string) bool {
	for _, k := range []string{"APIGEE_ACCESS_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "LS_CONTROLLERS", "LS_USER_CERTIFICATE", "LS_BEARER_TOKEN", "LS_USERNAME"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

// runURL links the workflow run, when GitHub Actions names it.
func runURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + id
}
