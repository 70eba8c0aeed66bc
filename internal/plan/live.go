package plan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/render"
	"github.com/lingate/lingate/schema"
)

// Connector opens the live systems of one environment: a driver per system
// (artifact.SystemLinstor, artifact.SystemApigee) and a function that
// closes them (a sandbox saves its state). commit is the source commit
// the drivers stamp on what they apply.
type Connector func(ctx context.Context, env *schema.Environment, cfg *schema.Config, commit string) (map[string]apply.Driver, func() error, error)

// LiveOptions say what to plan against live targets.
type LiveOptions struct {
	// Policies is the policies folder as the user named it.
	Policies string
	// FS and Dir are the policies folder on disk (used when Head is empty).
	FS  fs.FS
	Dir string
	// Head, when set, reads the policies at this revision from git instead.
	Head string
	// Envs limits the plan to these environments; empty means all.
	Envs []string
	// Adopt names the objects that exist without lingate's marker and that
	// this plan takes over (apply --adopt NAME).
	Adopt []string
	// Connect opens each environment's drivers.
	Connect Connector
}

// LiveResult is a plan against live targets. Close it once done with its
// drivers.
type LiveResult struct {
	View render.Plan
	// Head is the objects desired, per environment planned.
	Head []artifact.Set
	// Config is the policies planned.
	Config *schema.Config
	// Drivers are the open drivers of every environment planned.
	Drivers map[apply.Target]apply.Driver
	// Live is the digest of each target's state as read.
	Live []apply.LiveDigest

	closers []func() error
}

// Close closes every environment's drivers (a sandbox saves its state).
func (r *LiveResult) Close() error {
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// Live compiles the policies (from disk, or at opts.Head from git), reads
// what is live in each environment's targets through the drivers, and
// compares them: live is the base, the policies the head. A same-named
// object without lingate's marker is an error unless adopted.
func Live(ctx context.Context, opts LiveOptions) (*LiveResult, error) {
	res, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := res.Plan(ctx, opts.Adopt); err != nil {
		return nil, errors.Join(err, res.Close())
	}
	return res, nil
}

// Open compiles the policies and opens the drivers of every environment
// planned, without reading anything live yet: apply takes its locks
// between Open and Plan.
func Open(ctx context.Context, opts LiveOptions) (*LiveResult, error) {
	cfg, head, err := loadHead(opts)
	if err != nil {
		return nil, err
	}
	envs, err := liveEnvs(cfg, opts.Envs)
	if err != nil {
		return nil, err
	}
	sets, err := compile.All(cfg, envs)
	if err != nil {
		return nil, err
	}
	res := &LiveResult{Config: cfg, Head: sets, Drivers: map[apply.Target]apply.Driver{}}
	res.View.Head = render.Commit{SHA: head.SHA, Label: head.Rev}
	res.View.Environments = envs
	for _, env := range envs {
		drivers, closer, err := opts.Connect(ctx, cfg.Environments[env], cfg, head.SHA)
		if err != nil {
			return nil, errors.Join(err, res.Close())
		}
		res.closers = append(res.closers, closer)
		for sys, d := range drivers {
			res.Drivers[apply.Target{Env: env, System: sys}] = d
		}
	}
	if err := res.resolve(ctx); err != nil {
		return nil, errors.Join(err, res.Close())
	}
	return res, nil
}

// resolve lets each driver that is an apply.Resolver complete the desired
// objects of its system (the keyed hashes of backup remotes' secrets).
func (r *LiveResult) resolve(ctx context.Context) error {
	for i, set := range r.Head {
		for t, d := range r.Drivers {
			res, ok := d.(apply.Resolver)
			if !ok || t.Env != set.Env {
				continue
			}
			var mine, rest []artifact.Object
			for _, o := range set.Objects {
				if o.System == t.System {
					mine = append(mine, o)
				} else {
					rest = append(rest, o)
				}
			}
			resolved, err := res.Resolve(ctx, mine)
			if err != nil {
				return fmt.Errorf("plan %s: %w", set.Env, err)
			}
			r.Head[i].Objects = append(rest, resolved...)
			r.Head[i].Sort()
		}
	}
	return nil
}

// Plan reads every target and compares it with the policies, filling
// View.Changes and Live.
func (r *LiveResult) Plan(ctx context.Context, adopt []string) error {
	return r.compare(ctx, r.Config, r.Head, adopt)
}

// loadHead loads the policies from disk or from git at opts.Head, and
// names their commit (HEAD's for a folder on disk inside a repository).
func loadHead(opts LiveOptions) (*schema.Config, gitsrc.Commit, error) {
	repo, rerr := gitsrc.Open(existing(opts.Policies))
	if opts.Head == "" {
		cfg, err := schema.Load(opts.FS, opts.Dir)
		if err != nil {
			return nil, gitsrc.Commit{}, err
		}
		var c gitsrc.Commit
		if rerr == nil {
			c, _ = repo.Resolve("HEAD")
			c.Rev = "work tree"
		}
		return cfg, c, nil
	}
	if rerr != nil {
		return nil, gitsrc.Commit{}, fmt.Errorf("plan --head %s: %w (the policies are read from the git repository holding the policies folder)", opts.Head, rerr)
	}
	dir, err := repoDir(repo.Root(), opts.Policies)
	if err != nil {
		return nil, gitsrc.Commit{}, err
	}
	c, err := repo.Resolve(opts.Head)
	if err != nil {
		return nil, gitsrc.Commit{}, fmt.Errorf("plan: head: %w", err)
	}
	s := readSide(repo, c, "head", dir)
	if s.absent {
		return nil, gitsrc.Commit{}, fmt.Errorf("plan: policies folder %s: absent at head %s", dir, c.Short())
	}
	if s.err != nil {
		return nil, gitsrc.Commit{}, s.err
	}
	cfg, err := schema.Load(s.fsys, dir)
	if err != nil {
		return nil, gitsrc.Commit{}, gitsrc.Locate(err, c, "head")
	}
	return cfg, c, nil
}

// liveEnvs is the environments to plan: only, checked, or all declared.
func liveEnvs(cfg *schema.Config, only []string) ([]string, error) {
	if len(only) == 0 {
		return cfg.EnvironmentNames(), nil
	}
	for _, env := range only {
		if _, ok := cfg.Environments[env]; !ok {
			return nil, fmt.Errorf("plan: --env %s: not declared (declared: %v)", env, cfg.EnvironmentNames())
		}
	}
	envs := slices.Clone(only)
	slices.Sort(envs)
	return slices.Compact(envs), nil
}

// read is what one target holds.
type read struct {
	target apply.Target
	live   apply.Live
	err    error
}

// compare reads every target concurrently and compares it with sets.
func (r *LiveResult) compare(ctx context.Context, cfg *schema.Config, sets []artifact.Set, adopt []string) error {
	r.Live = nil
	reads := r.readAll(ctx, sets)
	var errs []error
	for _, rd := range reads {
		if rd.err != nil {
			errs = append(errs, rd.err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	foreign, adopted := foreignObjects(reads, adopt)
	if len(foreign) > 0 {
		return foreignError(foreign)
	}
	bases := map[string][]artifact.Object{}
	unhealthy := map[string][]apply.Unhealthy{}
	for _, rd := range reads {
		bases[rd.target.Env] = append(bases[rd.target.Env], rd.live.Objects...)
		unhealthy[rd.target.Env] = append(unhealthy[rd.target.Env], rd.live.Unhealthy...)
		r.Live = append(r.Live, apply.LiveDigest{Env: rd.target.Env, System: rd.target.System, Digest: rd.live.Digest})
	}
	for _, a := range adopted {
		bases[a.Env] = append(bases[a.Env], a.object)
	}
	pairs := make([]apply.Pair, 0, len(sets))
	for _, set := range sets {
		pairs = append(pairs, apply.Pair{Env: set.Env, Base: bases[set.Env], Head: set.Objects, Prune: cfg.Environments[set.Env].Prune, Unhealthy: unhealthy[set.Env]})
	}
	cs := markAdopted(apply.Compare(pairs), adopted)
	if err := r.impacts(ctx, cs, bases, sets); err != nil {
		return err
	}
	r.View.Changes = cs
	r.View.Notes = adoptNotes(adopt, adopted)
	return nil
}

// readAll reads every target, one goroutine each, in target order.
func (r *LiveResult) readAll(ctx context.Context, sets []artifact.Set) []read {
	var reads []read
	for _, set := range sets {
		for _, sys := range []string{artifact.SystemLinstor, artifact.SystemApigee} {
			if _, ok := r.Drivers[apply.Target{Env: set.Env, System: sys}]; ok {
				reads = append(reads, read{target: apply.Target{Env: set.Env, System: sys}})
			}
		}
	}
	desired := map[apply.Target][]artifact.Object{}
	for _, set := range sets {
		for _, o := range set.Objects {
			t := apply.Target{Env: set.Env, System: o.System}
			desired[t] = append(desired[t], o)
		}
	}
	var wg sync.WaitGroup
	for i := range reads {
		wg.Go(func() {
			t := reads[i].target
			live, err := r.Drivers[t].Read(ctx, desired[t])
			if err != nil {
				err = fmt.Errorf("plan %s: read %s: %w", t.Env, t.System, err)
			}
			reads[i].live, reads[i].err = live, err
		})
	}
	wg.Wait()
	return reads
}

// adoption is a foreign object taken over.
type adoption struct {
	Env    string
	object artifact.Object
}

// foreignObjects splits the objects read without lingate's marker into
// those not adopted (refs) and those adopted.
func foreignObjects(reads []read, adopt []string) ([]apply.Ref, []adoption) {
	var foreign []apply.Ref
	var adopted []adoption
	for _, rd := range reads {
		for _, o := range rd.live.Foreign {
			if slices.Contains(adopt, o.Name) {
				adopted = append(adopted, adoption{Env: rd.target.Env, object: o})
				continue
			}
			foreign = append(foreign, apply.Ref{Env: rd.target.Env, System: o.System, Kind: o.Kind, Name: o.Name})
		}
	}
	slices.SortFunc(foreign, apply.Ref.Compare)
	return foreign, adopted
}

// foreignError names each object lingate would overwrite without owning
// it, and how to adopt it.
func foreignError(refs []apply.Ref) error {
	var lines []string
	names := []string{}
	for _, r := range refs {
		lines = append(lines, fmt.Sprintf("  %s: %s exists but was not created by lingate (it has no lingate marker)", r.Env, r.Subject()))
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	adopt := ""
	for _, n := range names {
		adopt += " --adopt " + n
	}
	return fmt.Errorf("plan: %d object(s) the policies name are not lingate's:\n%s\nlingate changes only what it manages; to take them over, run lingate apply%s (or rename them in the policies)",
		len(refs), strings.Join(lines, "\n"), adopt)
}

// markAdopted marks the changes of adopted objects; an adopted object
// that already matches is still an update, which writes the marker.
func markAdopted(cs apply.ChangeSet, adopted []adoption) apply.ChangeSet {
	for _, a := range adopted {
		r := apply.Ref{Env: a.Env, System: a.object.System, Kind: a.object.Kind, Name: a.object.Name}
		i := slices.IndexFunc(cs.Changes, func(c apply.Change) bool { return c.Ref == r })
		if i < 0 {
			cs.Changes = append(cs.Changes, apply.Change{Ref: r, Action: apply.Update})
			i = len(cs.Changes) - 1
		}
		cs.Changes[i].Adopt = true
	}
	slices.SortFunc(cs.Changes, func(a, b apply.Change) int { return a.Ref.Compare(b.Ref) })
	return cs
}

// adoptNotes say which --adopt names matched nothing to take over.
func adoptNotes(adopt []string, adopted []adoption) []string {
	var notes []string
	for _, name := range adopt {
		if !slices.ContainsFunc(adopted, func(a adoption) bool { return a.object.Name == name }) {
			notes = append(notes, fmt.Sprintf("--adopt %s: no object of that name exists without lingate's marker; nothing to adopt.", name))
		}
	}
	return notes
}

// impacts asks each change's driver what it does beyond the object.
func (r *LiveResult) impacts(ctx context.Context, cs apply.ChangeSet, bases map[string][]artifact.Object, sets []artifact.Set) error {
	find := func(objs []artifact.Object, c apply.Change) artifact.Object {
		i := slices.IndexFunc(objs, func(o artifact.Object) bool {
			return o.System == c.System && o.Kind == c.Kind && o.Name == c.Name
		})
		if i < 0 {
			return artifact.Object{}
		}
		return objs[i]
	}
	heads := map[string][]artifact.Object{}
	for _, s := range sets {
		heads[s.Env] = s.Objects
	}
	for i, c := range cs.Changes {
		desired := artifact.Object{}
		if c.Action != apply.Delete {
			desired = find(heads[c.Env], c)
		}
		d := r.Drivers[apply.Target{Env: c.Env, System: c.System}]
		if d == nil {
			continue
		}
		impact, err := d.Impact(ctx, c, find(bases[c.Env], c), desired)
		if err != nil {
			return fmt.Errorf("plan %s: %s: impact: %w", c.Env, c.Subject(), err)
		}
		cs.Changes[i].Impact = impact
	}
	return nil
}
