// Package plan works out what would change between the policies of two
// commits: it reads both from git, validates and compiles them, and compares
// the artifacts environment by environment. The command line renders the
// result; lingate ci will post it.
package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/render"
	"github.com/lingate/lingate/schema"
)

// Options says which commits to plan between.
type Options struct {
	// Policies is the policies folder as the user named it; the repository
	// is the one holding it.
	Policies string
	// Base and Head are revisions; a branch as Base means its merge-base with Head.
	Base, Head string
	// Envs limits the plan to these environments; empty means all.
	Envs []string
	// Record asks for the digests of every object desired at head, for a
	// plan file: it renders the objects the same at both commits too.
	Record bool
	// Loaded, when set, is called once both commits are loaded, before
	// they are compiled and compared (the command line lowers GOGC there,
	// as loading is done with the heap at its largest).
	Loaded func()
}

// Result is a plan between two commits: what to show, and with
// Options.Record the digests of the objects desired at head, for the plan
// file, in plan order.
type Result struct {
	View render.Plan
	Head []apply.Digest
}

// Commits loads the policies at both commits in parallel, compiles them
// together for what differs (compile.StreamChanges: an object the same at
// both commits is neither rendered nor held), and compares them
// environment by environment.
func Commits(opts Options) (Result, error) {
	repo, err := gitsrc.Open(existing(opts.Policies))
	if err != nil {
		return Result{}, fmt.Errorf("plan: %w (plan reads both commits from the git repository holding the policies folder)", err)
	}
	dir, err := repoDir(repo.Root(), opts.Policies)
	if err != nil {
		return Result{}, err
	}
	rng, err := repo.ResolveRange(opts.Base, opts.Head)
	if err != nil {
		return Result{}, fmt.Errorf("plan: %w", err)
	}
	base, head, err := loadSides(repo, rng, dir, opts)
	if err != nil {
		return Result{}, err
	}
	baseErrs := base.invalidAlone(head)
	if err := sidesError(dir, base, head); err != nil {
		return Result{}, err
	}
	envs, err := plannedEnvs(base, head, opts.Envs)
	if err != nil {
		return Result{}, err
	}
	v := view(rng, envs, apply.Compare(pairs(envs, base, head)))
	v.Notes = notes(dir, rng, envs, base, head)
	v.Access = accessDiff(envs, base, head)
	v.Warnings = warnings(rng, envs, base, head, v.Changes)
	if baseErrs != nil {
		v.Notes = append([]string{invalidBaseNote(dir, rng)}, v.Notes...)
		v.BaseErrors = baseErrs
	}
	return Result{View: v, Head: head.recorded()}, nil
}

// notes explain a plan that could otherwise mislead: a policies folder
// absent at one commit (everything is a create or a removal), a head
// already part of the base branch (nothing is compared), an environment
// moved to another target (everything there is a create).
func notes(dir string, rng gitsrc.Range, envs []string, base, head side) []string {
	var out []string
	for _, env := range envs {
		for _, m := range moves(env, base, head) {
			out = append(out, m.note)
		}
	}
	switch {
	case head.absent:
		out = append(out, fmt.Sprintf("The policies folder %s is absent at head %s: every object at base is planned as removed.", dir, rng.Head.Short()))
	case base.absent:
		out = append(out, fmt.Sprintf("The policies folder %s is absent at base %s: every object at head is planned as created.", dir, rng.Base.Short()))
	}
	if rng.MergeBase && rng.Base.SHA == rng.Head.SHA {
		out = append(out, fmt.Sprintf("Head %s is already part of %s (their merge-base is head itself): nothing is compared.", rng.Head.Short(), rng.Base.Rev))
	}
	return out
}

// loadSides reads both commits' policies from git, one after the other
// (go-git's object store is not safe for concurrent use), validates them in
// parallel and compiles them together for what differs; once when the
// policies folder is the same tree at both commits.
func loadSides(repo *gitsrc.Repo, rng gitsrc.Range, dir string, opts Options) (side, side, error) {
	same, err := sameTree(repo, rng, dir)
	if err != nil {
		return side{}, side{}, fmt.Errorf("plan: %w", err)
	}
	head := readSide(repo, rng.Head, "head", dir)
	if same {
		head.load(dir)
		opts.loaded()
		base := head
		base.sets = map[string]artifact.Set{}
		compileSides(opts, &base, &head)
		base.err = nil // reported once, at head
		return base, head, nil
	}
	base := readSide(repo, rng.Base, "base", dir)
	var wg sync.WaitGroup
	wg.Go(func() { base.load(dir) })
	wg.Go(func() { head.load(dir) })
	wg.Wait()
	opts.loaded()
	compileSides(opts, &base, &head)
	return base, head, nil
}

// loaded calls o.Loaded when set.
func (o Options) loaded() {
	if o.Loaded != nil {
		o.Loaded()
	}
}

// sameTree reports whether the policies folder is the same tree at both
// commits (and present), so one load serves both. A folder refused at a
// commit (a link, a submodule) is not the same: reading each side reports
// it at its commit.
func sameTree(repo *gitsrc.Repo, rng gitsrc.Range, dir string) (bool, error) {
	b, err := repo.TreeID(rng.Base, dir)
	if err != nil {
		return false, refusedOr(err)
	}
	h, err := repo.TreeID(rng.Head, dir)
	return err == nil && b != "" && b == h, refusedOr(err)
}

// refusedOr is nil for problems in the policies (schema.Errors), else err.
func refusedOr(err error) error {
	var errs schema.Errors
	if errors.As(err, &errs) {
		return nil
	}
	return err
}

// side is the policies of one commit, compiled.
type side struct {
	commit gitsrc.Commit
	label  string // "base" or "head"
	fsys   fs.FS
	cfg    *schema.Config // nil when the policies folder is absent
	// sets are the objects compiled, per environment: those that differ
	// from the other commit's when both were compiled.
	sets   map[string]artifact.Set
	absent bool
	err    error
	// digests are those of every object compiled, when recorded.
	digests []apply.Digest
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

// load validates the policies read.
func (s *side) load(dir string) {
	if s.fsys == nil {
		return
	}
	cfg, err := schema.Load(s.fsys, dir)
	if err != nil {
		s.err = gitsrc.Locate(err, s.commit, s.label)
		return
	}
	s.cfg = cfg
}

// compileSides compiles the loaded sides (compileTogether) and sorts their
// sets.
func compileSides(opts Options, base, head *side) {
	compileTogether(opts, base, head)
	base.sorted()
	head.sorted()
}

// compileTogether compiles the loaded sides for the environments of
// opts.Envs (all when empty) that each commit declares: together for what
// differs when both can be compiled (compile.StreamChanges), else the one
// that can, whole. A base whose policies fail to compile leaves head
// compiled whole, as the plan is then made against nothing. With
// opts.Record, head's digests are recorded.
func compileTogether(opts Options, base, head *side) {
	bEnvs, hEnvs := base.compilable(opts.Envs), head.compilable(opts.Envs)
	if bEnvs == nil || hEnvs == nil {
		base.compileWhole(bEnvs, false)
		head.compileWhole(hEnvs, opts.Record)
		return
	}
	moved := map[[2]string]bool{}
	for _, env := range hEnvs {
		for _, m := range moves(env, *base, *head) {
			moved[[2]string{env, m.system}] = true
		}
	}
	c := compile.Changes{
		Base:       compile.Side{Config: compile.Config{Cfg: base.cfg, Envs: bEnvs}, Emit: base.collect(false)},
		Head:       compile.Side{Config: compile.Config{Cfg: head.cfg, Envs: hEnvs}, Emit: head.collect(opts.Record)},
		RenderSame: opts.Record,
		Whole:      func(env, system string) bool { return moved[[2]string{env, system}] },
		Same: func(env string, o artifact.Object) error {
			if opts.Record {
				o.SortFiles()
				head.digests = append(head.digests, apply.DigestOf(env, o))
			}
			return nil
		},
	}
	errs := compile.StreamChanges(c)
	base.failed(errs[compile.AtBase])
	head.failed(errs[compile.AtHead])
	if base.err != nil && head.err == nil {
		head.sets, head.digests = map[string]artifact.Set{}, nil
		head.compileWhole(hEnvs, opts.Record)
	}
}

// compilable is the environments of only (all when empty) that s can
// compile, or nil when it compiles nothing.
func (s *side) compilable(only []string) []string {
	if s.cfg == nil || s.err != nil {
		return nil
	}
	if envs := declaredOf(s.cfg, only); len(envs) > 0 {
		return envs // none would compile them all
	}
	return nil
}

// compileWhole compiles every object of envs (none when empty), recording
// their digests when asked.
func (s *side) compileWhole(envs []string, record bool) {
	if len(envs) > 0 {
		s.failed(compile.Stream(s.cfg, envs, s.collect(record)))
	}
}

// collect is an Emit keeping each object in s.sets, and its digest when
// recording.
func (s *side) collect(record bool) func(string, artifact.Object) error {
	return func(env string, o artifact.Object) error {
		o.SortFiles()
		set := s.sets[env]
		set.Env = env
		set.Objects = append(set.Objects, o)
		s.sets[env] = set
		if record {
			s.digests = append(s.digests, apply.DigestOf(env, o))
		}
		return nil
	}
}

// failed records err, an error compiling s, at its commit.
func (s *side) failed(err error) {
	if err != nil {
		s.err = gitsrc.Locate(err, s.commit, s.label)
	}
}

// sorted sorts s's sets (artifact.Set.Sort).
func (s *side) sorted() {
	for env, set := range s.sets {
		set.Sort()
		s.sets[env] = set
	}
}

// recorded is the digests recorded, in plan order: environment, then
// apply order.
func (s *side) recorded() []apply.Digest {
	slices.SortFunc(s.digests, func(a, b apply.Digest) int { return a.Ref.Compare(b.Ref) })
	return s.digests
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

// invalidAlone handles a base whose policies are invalid while head's are
// valid (a pull request that repairs the base): the plan is made against
// nothing, as if the policies were absent at base, and the base's problems
// are returned for the plan to show. Nil otherwise.
func (s *side) invalidAlone(head side) schema.Errors {
	var errs schema.Errors
	if head.err != nil || !errors.As(s.err, &errs) {
		return nil
	}
	*s = side{commit: s.commit, label: s.label, sets: map[string]artifact.Set{}}
	return errs
}

// invalidBaseNote says what a plan against an invalid base compares.
func invalidBaseNote(dir string, rng gitsrc.Range) string {
	return fmt.Sprintf("The policies in %s are invalid at base %s (their problems are listed below) and valid at head %s: the plan compares head against nothing, so every object at head is planned as created and nothing as deleted. Compare with the live systems before applying.", dir, rng.Base.Short(), rng.Head.Short())
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
// environment prunes as head says, or as base says if head dropped it. A
// system whose target the environment moves has no objects at base there.
func pairs(envs []string, base, head side) []apply.Pair {
	out := make([]apply.Pair, len(envs))
	for i, env := range envs {
		old := withoutMoved(base.sets[env].Objects, moves(env, base, head))
		out[i] = apply.Pair{Env: env, Base: old, Head: head.sets[env].Objects, Prune: prunes(env, base, head)}
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

// view is what the renderers show of a plan between the commits of rng.
func view(rng gitsrc.Range, envs []string, cs apply.ChangeSet) render.Plan {
	base := render.Commit{SHA: rng.Base.SHA, Label: rng.Base.Rev}
	if rng.MergeBase {
		base.MergeBaseWith = rng.Head.Rev
	}
	return render.Plan{Base: base, Head: render.Commit{SHA: rng.Head.SHA, Label: rng.Head.Rev}, Environments: envs, Changes: cs}
}

// repoDir turns the --policies folder into a slash path relative to the
// repository's root (root is "" for a bare repository, where the folder is
// taken as relative to the root already). Inside the repository the path
// is taken as written: a symbolic link in the work tree is not followed,
// since the commits may hold anything there. Links are resolved only when
// the root is spelled otherwise than the folder's path.
func repoDir(root, policies string) (string, error) {
	if root == "" {
		return filepath.ToSlash(filepath.Clean(policies)), nil
	}
	abs, err := filepath.Abs(policies)
	if err != nil {
		return "", fmt.Errorf("policies folder %s: %w", policies, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		rel, err = filepath.Rel(realPath(root), realPath(abs))
	}
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

// accessDiff is how access changes from base to head in envs (sorted).
// Only the rows of products whose rows can differ are computed (see
// access.Same), one environment at a time, both commits side by side:
// Diff is by environment and product first, so the rows left out would
// add nothing, and its results per environment, in order, are its result
// over all of them.
func accessDiff(envs []string, base, head side) []access.Change {
	same := access.NewSame(base.cfg, head.cfg)
	differs := func(env, product string) bool { return !same.Rows(env, product) }
	var out []access.Change
	for _, env := range envs {
		var before access.Matrix
		var wg sync.WaitGroup
		wg.Go(func() { before = base.matrix(env, differs) })
		after := head.matrix(env, differs)
		wg.Wait()
		out = append(out, access.Diff(before, after)...)
	}
	return out
}

// matrix is the access matrix of env at this commit, of the products keep
// is true for; empty when the policies folder is absent.
func (s side) matrix(env string, keep func(env, product string) bool) access.Matrix {
	if s.cfg == nil {
		return access.Matrix{}
	}
	return access.ComputeWhere(s.cfg, []string{env}, keep)
}
