package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/render"
)

// formatMarkdown is plan's pull-request format.
const formatMarkdown = "markdown"

// planOptions are the flags of lingate plan.
type planOptions struct {
	base, head       string
	envs             []string
	format           string
	out              string
	detailedExitcode bool
	adopt            []string
	// headGiven is set when --head was given: a live plan then reads the
	// policies from git instead of the folder on disk.
	headGiven bool
}

func newPlanCmd(e *env) *cobra.Command {
	var opts planOptions
	cmd := &cobra.Command{
		Use:   "plan [--base REF] [--head REF]",
		Short: "Show what an apply would change, against live targets or between two commits",
		Long: `Without --base, plan compiles the policies (the folder on disk, or --head REF
read from git), reads what is live in each environment's Apigee organization
and LINSTOR controllers (a sandbox environment: its embedded emulators, state
in .lingate/sandbox/<env>/) and shows per environment each object that apply
would create, update (with a unified diff between live and desired, so drift
made by hand shows as an update), delete (only in environments with prune)
or replace, and what a change does beyond its object (impact). An object the
policies name that exists without lingate's marker is an error until adopted
with apply --adopt NAME (or plan --adopt NAME --out FILE, then apply --plan
FILE). Credentials: APIGEE_ACCESS_TOKEN or Application
Default Credentials; golinstor's LS_* variables.

With --base, plan compiles the policies at two commits, read from git's
object store (no checkout: the work tree may hold anything), and shows the
same per object between them.

REF is a commit SHA (full or short), a branch, a tag or an expression such as
HEAD~1. A name git would find ambiguous (a branch and a tag of that name, a
branch named like a short SHA) is refused: name it in full, such as
refs/heads/NAME or refs/tags/NAME. When --base names a branch, the plan
compares against the merge-base of that branch and --head, as a pull
request does.

Exit codes: 0 success, 1 error; with --detailed-exitcode, 0 no changes,
1 error, 2 changes.`,
		Example: `  # what apply would change in the sandbox
  lingate plan --env sandbox

  # save a plan against prod for lingate apply --plan
  lingate plan --env prod --out prod.plan.json

  # between two commits: a pull request's changes, as markdown
  lingate plan --base origin/main --head HEAD --format markdown > plan.md
  lingate plan --base v1.4.0 --env prod --format json --out plan.json
  lingate plan --base main --detailed-exitcode   # exit 2: there are changes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e.format = opts.format
			opts.headGiven = cmd.Flags().Changed("head")
			if opts.base == "" {
				return runLivePlan(cmd.Context(), e, opts)
			}
			return runPlan(e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.base, "base", "", "base commit `REF` (a branch means its merge-base with --head); without it, plan against live targets")
	f.StringVar(&opts.head, "head", "HEAD", "head commit `REF` (a live plan reads the folder on disk unless given)")
	f.StringArrayVar(&opts.envs, "env", nil, "plan only environment `NAME` (repeatable; default: all)")
	f.StringVar(&opts.format, "format", formatText, "output `FORMAT`: text, markdown or json")
	f.StringVar(&opts.out, "out", "", "also save the plan as JSON in `FILE`, for apply --plan")
	f.BoolVar(&opts.detailedExitcode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	f.StringArrayVar(&opts.adopt, "adopt", nil, "live plans: plan taking over the object `NAME` that exists without lingate's marker (repeatable; apply --plan then adopts it)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatText, formatMarkdown, formatJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runPlan(e *env, opts planOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	p, err := planCommits(e, plan.Options{Policies: e.policies, Base: opts.base, Head: opts.head, Envs: opts.envs, Record: opts.out != ""})
	if err != nil {
		return err
	}
	if opts.out != "" {
		pf := apply.NewPlanFile(p.View.Source(), p.View.Environments, p.View.Changes, p.Head)
		if err := apply.WritePlanFile(opts.out, pf); err != nil {
			return err
		}
	}
	if err := renderPlan(e, opts.format, p.View); err != nil {
		return fmt.Errorf("plan: write output: %w", err)
	}
	if opts.detailedExitcode && !p.View.Changes.Empty() {
		return exitCode(ExitChanges)
	}
	return nil
}

// planCommits is plan.Commits with GOGC lowered once both commits are
// loaded (lowerGC), as plan and ci run it.
func planCommits(e *env, o plan.Options) (plan.Result, error) {
	restore := func() {}
	defer func() { restore() }()
	o.Loaded = func() { restore = lowerGC(e) }
	return plan.Commits(o)
}

// check refuses flags that cannot work together.
func (o planOptions) check() error {
	if o.base != "" && len(o.adopt) > 0 {
		return errors.New("plan: --adopt takes over live objects: it goes with a plan against live targets (no --base)")
	}
	if !slices.Contains([]string{formatText, formatMarkdown, formatJSON}, o.format) {
		return fmt.Errorf("plan: --format %q: expected text, markdown or json", o.format)
	}
	return nil
}

func renderPlan(e *env, format string, p render.Plan) error {
	switch format {
	case formatJSON:
		return render.JSON(e.stdout, p)
	case formatMarkdown:
		return render.Markdown(e.stdout, p)
	}
	return render.Text(e.stdout, p, isTerminal(e.stdout) && e.getenv("NO_COLOR") == "")
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runLivePlan plans against the live targets of the environments.
func runLivePlan(ctx context.Context, e *env, opts planOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	head := ""
	if opts.headGiven {
		head = opts.head
	}
	lo, err := e.liveOptions(opts.envs, opts.adopt, head)
	if err != nil {
		return err
	}
	p, err := plan.Live(ctx, lo)
	if err != nil {
		return err
	}
	defer p.Close()
	if opts.out != "" {
		pf := apply.NewPlanFile(p.View.Source(), p.View.Environments, p.View.Changes, apply.Digests(p.Head))
		pf.Live = p.Live
		if err := apply.WritePlanFile(opts.out, pf); err != nil {
			return err
		}
	}
	if err := renderPlan(e, opts.format, p.View); err != nil {
		return fmt.Errorf("plan: write output: %w", err)
	}
	if err := p.Close(); err != nil {
		return err
	}
	if opts.detailedExitcode && !p.View.Changes.Empty() {
		return exitCode(ExitChanges)
	}
	return nil
}
