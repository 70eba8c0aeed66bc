package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/render"
	"github.com/lingate/lingate/schema"
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
}

func newPlanCmd(e *env) *cobra.Command {
	var opts planOptions
	cmd := &cobra.Command{
		Use:   "plan --base REF [--head REF]",
		Short: "Show what would change between the policies of two commits",
		Long: `Plan compiles the policies at two commits, read from git's object store (no
checkout: the work tree may hold anything), and shows per environment each
object that would be created, updated (with a unified diff of its files),
deleted (only in environments with prune) or replaced.

REF is a commit SHA (full or short), a branch, a tag or an expression such as
HEAD~1. When --base names a branch, the plan compares against the merge-base
of that branch and --head, as a pull request does.

Exit codes: 0 success, 1 error; with --detailed-exitcode, 0 no changes,
1 error, 2 changes.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			e.format = opts.format
			return runPlan(e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.base, "base", "", "base commit `REF` (a branch means its merge-base with --head)")
	f.StringVar(&opts.head, "head", "HEAD", "head commit `REF`")
	f.StringArrayVar(&opts.envs, "env", nil, "plan only environment `NAME` (repeatable; default: all)")
	f.StringVar(&opts.format, "format", formatText, "output `FORMAT`: text, markdown or json")
	f.StringVar(&opts.out, "out", "", "also save the plan as JSON in `FILE`, for apply --plan")
	f.BoolVar(&opts.detailedExitcode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatText, formatMarkdown, formatJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runPlan(e *env, opts planOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	p, err := planCommits(e.policies, opts)
	if err != nil {
		return err
	}
	if opts.out != "" {
		pf := apply.NewPlanFile(p.view.Source(), p.view.Environments, p.view.Changes, p.head)
		if err := apply.WritePlanFile(opts.out, pf); err != nil {
			return err
		}
	}
	if err := renderPlan(e, opts.format, p.view); err != nil {
		return fmt.Errorf("plan: write output: %w", err)
	}
	if opts.detailedExitcode && !p.view.Changes.Empty() {
		return exitCode(ExitChanges)
	}
	return nil
}

// check refuses flags that cannot work together.
func (o planOptions) check() error {
	if o.base == "" {
		return errors.New("plan: --base REF is required (plan compares the policies at --base and --head; a plan against live targets is not supported yet)")
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

// commitPlan is a plan between two commits: what to show, and the objects
// desired at head for the plan file.
type commitPlan struct {
	view render.Plan
	head []artifact.Set
}

// planCommits loads and compiles the policies at both commits, in
// parallel, and compares them environment by environment. The repository
// is the one holding the policies folder.
func planCommits(policies string, opts planOptions) (commitPlan, error) {
	repo, err := gitsrc.Open(existing(policies))
	if err != nil {
		return commitPlan{}, fmt.Errorf("plan: %w (plan reads both commits from the git repository holding the policies folder)", err)
	}
	dir, err := repoDir(repo.Root(), policies)
	if err != nil {
		return commitPlan{}, err
	}
	rng, err := repo.ResolveRange(opts.base, opts.head)
	if err != nil {
		return commitPlan{}, fmt.Errorf("plan: %w", err)
	}
	base, head, err := loadSides(repo, rng, dir, opts.envs)
	if err != nil {
		return commitPlan{}, err
	}
	if err := sidesError(dir, base, head); err != nil {
		return commitPlan{}, err
	}
	envs, err := plannedEnvs(base, head, opts.envs)
	if err != nil {
		return commitPlan{}, err
	}
	return commitPlan{view: view(rng, envs, apply.Compare(pairs(envs, base, head))), head: head.ordered(envs)}, nil
}

// loadSides reads both commits' policies from git, one after the other
// (go-git's object store is not safe for concurrent use), then validates
// and compiles them in parallel; once when the policies folder is the same
// tree at both commits.
func loadSides(repo *gitsrc.Repo, rng gitsrc.Range, dir string, only []string) (side, side, error) {
	same, err := sameTree(repo, rng, dir)
	if err != nil {
		return side{}, side{}, fmt.Errorf("plan: %w", err)
	}
	head := readSide(repo, rng.Head, "head", dir)
	if same {
		head.compile(dir, only)
		base := head
		base.err = nil // reported once, at head
		return base, head, nil
	}
	base := readSide(repo, rng.Base, "base", dir)
	var wg sync.WaitGroup
	wg.Go(func() { base.compile(dir, only) })
	wg.Go(func() { head.compile(dir, only) })
	wg.Wait()
	return base, head, nil
}

// sameTree reports whether the policies folder is the same tree at both
// commits (and present), so one load serves both.
func sameTree(repo *gitsrc.Repo, rng gitsrc.Range, dir string) (bool, error) {
	b, err := repo.TreeID(rng.Base, dir)
	if err != nil {
		return false, err
	}
	h, err := repo.TreeID(rng.Head, dir)
	return err == nil && b != "" && b == h, err
}

// side is the policies of one commit, compiled.
type side struct {
	commit gitsrc.Commit
	label  string // "base" or "head"
	fsys   fs.FS
	cfg    *schema.Config // nil when the policies folder is absent
	sets   map[string]artifact.Set
	absent bool
	err    error
}

// readSide reads the policies folder dir of commit c from git.
func readSide(repo *gitsrc.Repo, c gitsrc.Commit, label, dir string) side {
	s := side{commit: c, label: label, sets: map[string]artifact.Set{}}
	fsys, err := repo.Policies(c, dir)
	switch {
	case errors.Is(err, gitsrc.ErrNoPolicies):
		s.absent = true
	case err != nil:
		s.err = gitsrc.Locate(err, c, label)
	default:
		s.fsys = fsys
	}
	return s
}

// compile validates and compiles the policies read, for the environments
// in only (all when empty) that the commit declares.
func (s *side) compile(dir string, only []string) {
	if s.fsys == nil {
		return
	}
	cfg, err := schema.Load(s.fsys, dir)
	if err != nil {
		s.err = gitsrc.Locate(err, s.commit, s.label)
		return
	}
	sets, err := compile.All(cfg, declaredOf(cfg, only))
	if err != nil {
		s.err = gitsrc.Locate(err, s.commit, s.label)
		return
	}
	s.cfg = cfg
	for _, set := range sets {
		s.sets[set.Env] = set
	}
}

// declaredOf returns the environments of only that cfg declares, or all of
// its environments when only is empty.
func declaredOf(cfg *schema.Config, only []string) []string {
	if len(only) == 0 {
		return cfg.EnvironmentNames()
	}
	envs := []string{}
	for _, env := range only {
		if _, ok := cfg.Environments[env]; ok {
			envs = append(envs, env)
		}
	}
	return envs
}

// sidesError reports what failed at either commit: problems in the
// policies of both commits together, else the first error.
func sidesError(dir string, base, head side) error {
	var be, he schema.Errors
	switch {
	case errors.As(base.err, &be) && errors.As(head.err, &he):
		return append(be, he...)
	case base.err != nil:
		return base.err
	case head.err != nil:
		return head.err
	case base.absent && head.absent:
		return fmt.Errorf("plan: policies folder %s: absent at both base and head (set it with --policies)", dir)
	}
	return nil
}

// plannedEnvs is every environment either commit declares, limited to only
// when given; an environment neither declares is an error.
func plannedEnvs(base, head side, only []string) ([]string, error) {
	declared := map[string]bool{}
	for _, s := range []side{base, head} {
		if s.cfg != nil {
			for _, env := range s.cfg.EnvironmentNames() {
				declared[env] = true
			}
		}
	}
	for _, env := range only {
		if !declared[env] {
			return nil, fmt.Errorf("plan: --env %s: not declared at base or head (declared: %v)", env, schema.Names(declared))
		}
	}
	if len(only) == 0 {
		return schema.Names(declared), nil
	}
	envs := slices.Clone(only)
	slices.Sort(envs)
	return slices.Compact(envs), nil
}

// pairs puts each environment's objects at both commits side by side. An
// environment prunes as head says, or as base says if head dropped it.
func pairs(envs []string, base, head side) []apply.Pair {
	out := make([]apply.Pair, len(envs))
	for i, env := range envs {
		out[i] = apply.Pair{Env: env, Base: base.sets[env].Objects, Head: head.sets[env].Objects, Prune: prunes(env, base, head)}
	}
	return out
}

func prunes(env string, base, head side) bool {
	for _, s := range []side{head, base} {
		if s.cfg == nil {
			continue
		}
		if e, ok := s.cfg.Environments[env]; ok {
			return e.Prune
		}
	}
	return false
}

// ordered returns the side's compiled sets of envs, in that order.
func (s side) ordered(envs []string) []artifact.Set {
	var out []artifact.Set
	for _, env := range envs {
		if set, ok := s.sets[env]; ok {
			out = append(out, set)
		}
	}
	return out
}

// view is what the renderers show of a plan between the commits of rng.
func view(rng gitsrc.Range, envs []string, cs apply.ChangeSet) render.Plan {
	base := render.Commit{SHA: rng.Base.SHA, Label: rng.Base.Rev}
	if rng.MergeBase {
		base.Label = fmt.Sprintf("merge-base of %s and %s", rng.Base.Rev, rng.Head.Rev)
	}
	return render.Plan{Base: base, Head: render.Commit{SHA: rng.Head.SHA, Label: rng.Head.Rev}, Environments: envs, Changes: cs}
}

// repoDir turns the --policies folder into a slash path relative to the
// repository's root (root is "" for a bare repository, where the folder is
// taken as relative to the root already).
func repoDir(root, policies string) (string, error) {
	if root == "" {
		return filepath.ToSlash(filepath.Clean(policies)), nil
	}
	abs, err := filepath.Abs(policies)
	if err != nil {
		return "", fmt.Errorf("policies folder %s: %w", policies, err)
	}
	rel, err := filepath.Rel(realPath(root), realPath(abs))
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", fmt.Errorf("policies folder %s: outside the git repository at %s", policies, root)
	}
	return filepath.ToSlash(rel), nil
}

// existing returns p, or its nearest parent folder that exists (the
// policies folder may be absent from the work tree).
func existing(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "."
	}
	for {
		if _, err := os.Stat(abs); err == nil || filepath.Dir(abs) == abs {
			return abs
		}
		abs = filepath.Dir(abs)
	}
}

// realPath resolves symbolic links in p, or in the nearest parent that
// exists (the folder may be absent from the work tree).
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p
	}
	return filepath.Join(realPath(parent), filepath.Base(p))
}
