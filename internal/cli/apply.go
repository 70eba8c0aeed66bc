package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/render"
)

// applyOptions are the flags of lingate apply.
type applyOptions struct {
	envs        []string
	planFile    string
	autoApprove bool
	adopt       []string
	breakLock   bool
	format      string
	concurrency int
	lockTTL     time.Duration
}

func newApplyCmd(e *env) *cobra.Command {
	var opts applyOptions
	cmd := &cobra.Command{
		Use:   "apply [--env NAME]... [--plan FILE] [--auto-approve]",
		Short: "Make the live targets match the policies",
		Long: `Apply takes each environment's lock (held in the targets: a LINSTOR controller
property and an Apigee key-value map entry), plans against live targets as
lingate plan does, shows the plan and, on a terminal, asks for confirmation;
then changes LINSTOR resource groups first, then Apigee proxies (imported only
when their content changed, deployed, and waited for until ready; rolled back
to the revision that served before when a deployment fails), then API
products, then deletes (only with prune) in the reverse order. Independent
objects change concurrently (--concurrency) under a client-side rate limit,
and failed calls are retried with backoff. A failure stops what depends on it;
the result says what was and was not done. Every apply appends an audit
record to .lingate/audit/<date>.jsonl beside the policies folder.

Confirmation: on a terminal apply asks "Only 'yes' will be accepted" unless
--auto-approve. Without a terminal on stdin and stdout, or with CI=true, it
does not ask. --plan FILE applies exactly a plan saved by lingate plan --out,
without asking, and refuses it as stale when the policies, their commit or
the live state changed since.

An object the policies name that exists without lingate's marker is left
alone until adopted: --adopt NAME takes it over (its marker is written).
A lock lasts --lock-ttl (1h) and is renewed every third of it while the
apply runs; an apply that was killed leaves its lock until it expires, and
--break-lock takes over a lock whose expiry has passed.

Sandbox environments apply to the embedded emulators, with their state in
.lingate/sandbox/<env>/, which lingate sandbox serve then serves.

Exit codes: 0 applied or nothing to do, 1 failed or refused.`,
		Example: `  # apply the sandbox environment, without asking
  lingate apply --env sandbox --auto-approve

  # review a plan, then apply exactly it
  lingate plan --env prod --out prod.plan.json
  lingate apply --plan prod.plan.json

  # take over an API product created by hand, and print the audit record
  lingate apply --env staging --adopt payments --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e.format = opts.format
			return runApply(cmd.Context(), e, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.envs, "env", nil, "apply only environment `NAME` (repeatable; default: all)")
	f.StringVar(&opts.planFile, "plan", "", "apply exactly the plan saved in `FILE` by plan --out")
	f.BoolVar(&opts.autoApprove, "auto-approve", false, "do not ask for confirmation")
	f.StringArrayVar(&opts.adopt, "adopt", nil, "take over the object `NAME` that exists without lingate's marker (repeatable)")
	f.BoolVar(&opts.breakLock, "break-lock", false, "take over an environment lock whose expiry has passed")
	f.StringVar(&opts.format, "format", formatText, "output `FORMAT`: text, or json (the audit record on stdout; progress on stderr)")
	f.IntVar(&opts.concurrency, "concurrency", apply.DefaultConcurrency, "change at most `N` objects at once")
	f.DurationVar(&opts.lockTTL, "lock-ttl", apply.DefaultLockTTL, "how long this apply's locks hold, renewed every third of it while it runs, before another apply may take them over with --break-lock (`DUR`)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatText, formatJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// check refuses flags that cannot work together.
func (o applyOptions) check() error {
	switch {
	case o.format != formatText && o.format != formatJSON:
		return fmt.Errorf("apply: --format %q: expected text or json", o.format)
	case o.concurrency < 1:
		return fmt.Errorf("apply: --concurrency %d: expected at least 1", o.concurrency)
	case o.lockTTL <= 0:
		return fmt.Errorf("apply: --lock-ttl %s: expected a positive duration such as 30m", o.lockTTL)
	case o.planFile != "" && (len(o.envs) > 0 || len(o.adopt) > 0):
		return errors.New("apply: --plan FILE applies the saved plan's environments and adoptions; --env and --adopt go to lingate plan instead")
	}
	return nil
}

func runApply(ctx context.Context, e *env, opts applyOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	saved, err := readSavedPlan(opts.planFile)
	if err != nil {
		return err
	}
	envs, adopt := opts.envs, opts.adopt
	if opts.planFile != "" {
		envs, adopt = saved.Environments, adoptedIn(saved)
	}
	lo, err := e.liveOptions(envs, adopt, "")
	if err != nil {
		return err
	}
	p, err := plan.Open(ctx, lo)
	if err != nil {
		return err
	}
	defer p.Close()
	held, err := apply.AcquireLocks(ctx, p.Drivers, apply.LockOptions{Holder: holder(e.getenv), TTL: opts.lockTTL, TakeOver: opts.breakLock})
	if err != nil {
		err = fmt.Errorf("apply: %w", err)
		return errors.Join(err, writeAudit(e, opts, p, applyResult{}, err, false))
	}
	// The locks are renewed while the apply runs, also after Ctrl-C while
	// the changes in flight finish; one taken over by another apply (it
	// had expired) stops this one starting more changes.
	actx, stopApply := context.WithCancel(ctx)
	defer stopApply()
	stopRenew := held.KeepAlive(context.WithoutCancel(ctx), func(error) { stopApply() })
	res, runErr := applyLocked(actx, e, opts, p, saved, adopt)
	err = errors.Join(runErr, stopRenew(), held.Release(ctx), p.Close())
	if res == nil {
		// Refused (a stale plan) or declined: recorded, not printed.
		return errors.Join(err, writeAudit(e, opts, p, applyResult{doc: apply.NewDocument(p.View.Source(), p.View.Changes)}, runErr, false))
	}
	err = errors.Join(err, writeAudit(e, opts, p, *res, runErr, true))
	if err != nil && opts.format == formatJSON {
		// The record on stdout says what failed; keep stdout one document.
		fmt.Fprintf(e.stderr, "error: %s\n", render.Printable(err.Error()))
		return exitCode(ExitFailed)
	}
	return err
}

// readSavedPlan reads --plan FILE, which must be a plan against live targets.
func readSavedPlan(path string) (apply.PlanFile, error) {
	if path == "" {
		return apply.PlanFile{}, nil
	}
	pf, err := apply.ReadPlanFile(path)
	if err != nil {
		return pf, fmt.Errorf("apply: %w", err)
	}
	if len(pf.Live) == 0 {
		return pf, fmt.Errorf("apply: plan file %s: a plan between two commits (plan --base) cannot be applied; save a plan against live targets with lingate plan --out FILE", path)
	}
	return pf, nil
}

// adoptedIn names the objects a saved plan adopts.
func adoptedIn(pf apply.PlanFile) []string {
	var out []string
	for _, c := range pf.Changes {
		if c.Adopt && !slices.Contains(out, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

// applyResult is what applyLocked did: the plan applied and its outcome.
type applyResult struct {
	doc    apply.Document
	result apply.Result
}

// applyLocked plans, confirms and executes with the locks held. A nil
// result means nothing was attempted (refused, declined).
func applyLocked(ctx context.Context, e *env, opts applyOptions, p *plan.LiveResult, saved apply.PlanFile, adopt []string) (*applyResult, error) {
	if err := p.Plan(ctx, adopt); err != nil {
		return nil, err
	}
	if opts.planFile != "" {
		if err := staleness(saved, p); err != nil {
			return nil, fmt.Errorf("apply: plan file %s: %w", opts.planFile, err)
		}
		p.View.Changes = apply.ChangeSet{Changes: saved.Changes}
	}
	cs := p.View.Changes
	progress := e.stdout
	if opts.format == formatJSON {
		progress = e.stderr
	} else if err := renderPlan(e, formatText, p.View); err != nil {
		return nil, fmt.Errorf("apply: write output: %w", err)
	}
	doc := apply.NewDocument(p.View.Source(), cs)
	if cs.Empty() {
		if opts.format == formatText {
			fmt.Fprintln(progress)
			return &applyResult{doc: doc}, render.ApplyResult(progress, apply.Result{})
		}
		return &applyResult{doc: doc}, nil
	}
	if ok, err := confirm(e, opts, progress); err != nil || !ok {
		return nil, err
	}
	res, err := apply.Execute(ctx, cs, p.Head, p.Drivers, apply.ExecOptions{
		Concurrency: opts.concurrency, Reporter: render.Progress(progress, isTerminal(progress)),
	})
	if err != nil {
		return nil, err
	}
	if opts.format == formatText {
		fmt.Fprintln(progress)
		if err := render.ApplyResult(progress, res); err != nil {
			return nil, fmt.Errorf("apply: write output: %w", err)
		}
	}
	return &applyResult{doc: doc, result: res}, res.Err()
}

// staleness refuses a saved plan when the policies, their commit or the
// live state changed since it was made.
func staleness(saved apply.PlanFile, p *plan.LiveResult) error {
	if saved.Source.Head != p.View.Head.SHA {
		return fmt.Errorf("plan is stale: made at commit %s, the policies are now at %s (re-plan)", orNone(saved.Source.Head), orNone(p.View.Head.SHA))
	}
	return errors.Join(saved.Stale(p.Head), saved.StaleLive(p.Live))
}

func orNone(sha string) string {
	if sha == "" {
		return "none"
	}
	return sha
}

// confirm asks on a terminal, unless --auto-approve, --plan or CI.
func confirm(e *env, opts applyOptions, w io.Writer) (bool, error) {
	if opts.autoApprove || opts.planFile != "" || e.getenv("CI") == "true" || !interactive(e) {
		return true, nil
	}
	fmt.Fprint(w, "\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: ")
	answer, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("apply: read confirmation: %w", err)
	}
	if strings.TrimSpace(answer) != "yes" {
		fmt.Fprintln(w, "\nApply cancelled: nothing was changed.")
		return false, exitCode(ExitFailed)
	}
	return true, nil
}

// stdin is where confirmation is read from.
var stdin io.Reader = os.Stdin

// interactive reports whether both stdin and stdout are terminals.
func interactive(e *env) bool {
	f, ok := stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && isTerminal(e.stdout)
}

// holder names this apply in the locks: who and which process.
func holder(getenv func(string) string) string {
	return apply.Who(getenv) + " pid " + strconv.Itoa(os.Getpid())
}

// writeAudit appends the apply's record beside the policies, and prints it
// with --format json when print is set. An apply declined at the prompt is
// recorded as cancelled.
func writeAudit(e *env, opts applyOptions, p *plan.LiveResult, r applyResult, runErr error, print bool) error {
	var whole error
	if runErr != nil && r.result.Err() == nil {
		whole = runErr
	}
	rec := apply.NewAuditRecord(time.Now(), apply.Who(e.getenv), r.doc, p.View.Environments, r.result, whole)
	var code exitCode
	if errors.As(runErr, &code) {
		rec.Result, rec.Error = apply.ResultCancelled, "declined at the confirmation prompt"
	}
	if err := apply.AppendAudit(policiesRoot(e.policies), rec); err != nil {
		return err
	}
	if opts.format != formatJSON || !print {
		return nil
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(rec)
}
