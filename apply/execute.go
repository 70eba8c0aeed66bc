package apply

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lingate/lingate/compile/artifact"
)

// DefaultConcurrency is how many objects an apply changes at once.
const DefaultConcurrency = 8

// Target names one live system of one environment.
type Target struct {
	Env    string
	System string
}

// Status is what became of one change during an apply.
type Status string

// Statuses of an Outcome.
const (
	// Applied: the change was made.
	Applied Status = "applied"
	// Failed: the driver reported an error; the object may be half changed
	// and a new apply converges it.
	Failed Status = "failed"
	// Skipped: not tried, because something it depends on failed or the
	// apply was interrupted.
	Skipped Status = "skipped"
)

// Outcome is what an apply did with one change.
type Outcome struct {
	Change   Change        `json:"change"`
	Status   Status        `json:"status"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Result is every change of an apply and what became of it, in apply order.
type Result struct {
	Outcomes []Outcome     `json:"outcomes"`
	Duration time.Duration `json:"duration_ns"`
}

// Count returns how many outcomes have status s.
func (r Result) Count(s Status) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Status == s {
			n++
		}
	}
	return n
}

// Err is nil when every change was applied, else an error saying how many
// changes failed and were skipped, naming the failures.
func (r Result) Err() error {
	var failed []string
	for _, o := range r.Outcomes {
		if o.Status == Failed {
			failed = append(failed, o.Change.Env+" "+o.Change.Subject())
		}
	}
	skipped := r.Count(Skipped)
	if len(failed) == 0 && skipped == 0 {
		return nil
	}
	names := ""
	if len(failed) > 0 {
		names = " (" + strings.Join(failed, ", ") + ")"
	}
	return fmt.Errorf("apply: %d of %d changes applied, %d failed%s, %d not done",
		r.Count(Applied), len(r.Outcomes), len(failed), names, skipped)
}

// Reporter hears of each change as the apply carries it out. Its methods
// are called from several goroutines at once.
type Reporter interface {
	// Begin is called once with the number of changes.
	Begin(total int)
	// Started is called when a change begins.
	Started(c Change)
	// Finished is called once per change, with what became of it.
	Finished(o Outcome)
}

// ExecOptions tune Execute.
type ExecOptions struct {
	// Concurrency bounds how many objects change at once (default 8).
	Concurrency int
	// Reporter hears of progress; nil reports nothing.
	Reporter Reporter
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Execute carries out the changes of cs with one driver per target: first
// LINSTOR resource groups, then Apigee proxies, then API products, then the
// deletes in the reverse order. A replacement goes to the driver as one
// change at the place of a create (the LINSTOR driver replaces a resource
// group's volume groups in place when nothing uses it; the Apigee driver
// deletes and creates). Changes of one stage run concurrently, bounded by opts.Concurrency. A failure skips what depends on it: an API
// product whose proxy failed, the Apigee objects of an environment whose
// LINSTOR changes failed, the proxy whose product could not be deleted, and
// the resource groups of an environment whose Apigee deletes failed.
// When ctx ends, the changes in flight are finished and no other starts.
//
// desired holds the objects at head; every create, update and replace must
// find its object there. Execute does not lock: the caller holds the
// environments' locks (Locks) around planning and executing.
func Execute(ctx context.Context, cs ChangeSet, desired []artifact.Set, drivers map[Target]Driver, opts ExecOptions) (Result, error) {
	steps, err := plannedSteps(cs, desired, drivers)
	if err != nil {
		return Result{}, err
	}
	e := newExecutor(opts)
	start := e.now()
	e.report.Begin(len(steps))
	for _, stage := range stages(steps) {
		e.run(ctx, stage)
	}
	res := Result{Duration: e.now().Sub(start)}
	for _, s := range steps {
		res.Outcomes = append(res.Outcomes, e.done[s.key()])
	}
	return res, nil
}

// step is one change with what it needs to be carried out.
type step struct {
	Change
	desired artifact.Object
	driver  Driver
	// stage orders steps: see stageOf.
	stage int
}

// stepKey identifies a step: a delete and a create of the same object
// differ (a prune and a rename can meet).
type stepKey struct {
	Ref
	delete bool
}

func (s step) key() stepKey { return stepKey{Ref: s.Ref, delete: s.Action == Delete} }

// Stages, in the order they run.
// LINSTOR's backup objects slot around resource groups: a remote before
// the schedule that ships to it, both and the group before the schedule's
// enablement on the group; removal the other way round.
const (
	stageLinstorRemote = iota
	stageLinstorSchedule
	stageLinstor
	stageLinstorBackup
	stageProxy
	stageProduct
	stageDeleteProduct
	stageDeleteProxy
	stageDeleteLinstorBackup
	stageDeleteLinstor
	stageDeleteLinstorSchedule
	stageDeleteLinstorRemote
)

// linstorStages are the create/update and delete stages of each LINSTOR kind.
var linstorStages = map[string][2]int{
	artifact.KindRemote:         {stageLinstorRemote, stageDeleteLinstorRemote},
	artifact.KindSchedule:       {stageLinstorSchedule, stageDeleteLinstorSchedule},
	artifact.KindBackupSchedule: {stageLinstorBackup, stageDeleteLinstorBackup},
}

func stageOf(c Change) int {
	del := c.Action == Delete
	st, backup := linstorStages[c.Kind]
	switch {
	case c.System == artifact.SystemLinstor && backup && del:
		return st[1]
	case c.System == artifact.SystemLinstor && backup:
		return st[0]
	case c.System == artifact.SystemLinstor && del:
		return stageDeleteLinstor
	case c.System == artifact.SystemLinstor:
		return stageLinstor
	case c.Kind == artifact.KindProduct && del:
		return stageDeleteProduct
	case c.Kind == artifact.KindProduct:
		return stageProduct
	case del:
		return stageDeleteProxy
	}
	return stageProxy
}

// plannedSteps turns the changes into steps, each with its driver and
// desired object, sorted by stage.
func plannedSteps(cs ChangeSet, desired []artifact.Set, drivers map[Target]Driver) ([]step, error) {
	objects := map[Ref]artifact.Object{}
	for _, set := range desired {
		for _, o := range set.Objects {
			objects[ref(set.Env, o)] = o
		}
	}
	steps := make([]step, 0, len(cs.Changes))
	for _, c := range cs.Changes {
		d := drivers[Target{Env: c.Env, System: c.System}]
		if d == nil {
			return nil, fmt.Errorf("apply %s %s: no driver for %s in environment %s", c.Env, c.Subject(), c.System, c.Env)
		}
		s := step{Change: c, driver: d, stage: stageOf(c)}
		if c.Action != Delete {
			o, ok := objects[c.Ref]
			if !ok {
				return nil, fmt.Errorf("apply %s %s: not among the objects desired at head", c.Env, c.Subject())
			}
			s.desired = o
		}
		steps = append(steps, s)
	}
	slices.SortStableFunc(steps, func(a, b step) int {
		return cmp.Or(cmp.Compare(a.stage, b.stage), a.Ref.Compare(b.Ref))
	})
	return steps, nil
}

// stages groups sorted steps by stage.
func stages(steps []step) [][]step {
	var out [][]step
	for i, s := range steps {
		if i == 0 || s.stage != steps[i-1].stage {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}

// executor runs steps and remembers their outcomes.
type executor struct {
	limit  int
	report Reporter
	now    func() time.Time
	mu     sync.Mutex
	done   map[stepKey]Outcome
	// broken are what later steps may depend on and that did not happen.
	broken map[stepKey]bool
	// brokenEnv[env][stage] is set when a step of that stage failed or was skipped.
	brokenEnv map[string]map[int]bool
}

func newExecutor(opts ExecOptions) *executor {
	e := &executor{limit: opts.Concurrency, report: opts.Reporter, now: opts.Now,
		done: map[stepKey]Outcome{}, broken: map[stepKey]bool{}, brokenEnv: map[string]map[int]bool{}}
	if e.limit <= 0 {
		e.limit = DefaultConcurrency
	}
	if e.report == nil {
		e.report = nopReporter{}
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// run carries out one stage, at most e.limit steps at once.
func (e *executor) run(ctx context.Context, stage []step) {
	sem := make(chan struct{}, e.limit)
	var wg sync.WaitGroup
	for _, s := range stage {
		if why := e.blocked(ctx, s); why != "" {
			e.finish(s, Outcome{Change: s.Change, Status: Skipped, Error: why})
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			e.finish(s, Outcome{Change: s.Change, Status: Skipped, Error: "interrupted before it started"})
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			e.finish(s, e.apply(ctx, s))
		})
	}
	wg.Wait()
}

// apply carries out one step.
func (e *executor) apply(ctx context.Context, s step) Outcome {
	e.report.Started(s.Change)
	start := e.now()
	// A change in flight is carried to its end when ctx ends (Ctrl-C): a
	// proxy imported and not yet deployed, or a group created without its
	// properties, is worse than either. The drivers bound their waits.
	err := s.driver.Apply(context.WithoutCancel(ctx), s.Change, s.desired)
	o := Outcome{Change: s.Change, Status: Applied, Duration: e.now().Sub(start)}
	if err != nil {
		o.Status = Failed
		// The outcome names the change; the driver's error says what failed.
		o.Error = withoutSubject(err.Error(), s.Change)
	}
	return o
}

// withoutSubject drops from a driver's error the object and action the
// outcome already names ("apigee proxy orders: ", "linstor resource group
// fast: create: "), so that every line says them once.
func withoutSubject(msg string, c Change) string {
	for _, subj := range []string{c.Subject(), c.System + " " + strings.ReplaceAll(c.Kind, "-", " ") + " " + c.Name} {
		if rest, ok := strings.CutPrefix(msg, subj+": "); ok {
			return strings.TrimPrefix(rest, string(c.Action)+": ")
		}
	}
	return msg
}

// finish records an outcome and tells the reporter.
func (e *executor) finish(s step, o Outcome) {
	e.mu.Lock()
	e.done[s.key()] = o
	if o.Status != Applied {
		e.broken[s.key()] = true
		if e.brokenEnv[s.Env] == nil {
			e.brokenEnv[s.Env] = map[int]bool{}
		}
		e.brokenEnv[s.Env][s.stage] = true
	}
	e.mu.Unlock()
	e.report.Finished(o)
}

// blocked says why s must not run, or "".
func (e *executor) blocked(ctx context.Context, s step) string {
	if ctx.Err() != nil {
		return "interrupted before it started"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	env := e.brokenEnv[s.Env]
	sameName := func(kind string, del bool) bool {
		return e.broken[stepKey{Ref: Ref{Env: s.Env, System: s.System, Kind: kind, Name: s.Name}, delete: del}]
	}
	switch s.stage {
	case stageProxy, stageProduct:
		if env[stageLinstor] {
			return "a LINSTOR change of " + s.Env + " was not applied"
		}
		if s.stage == stageProduct && sameName(artifact.KindProxy, false) {
			return "its proxy " + s.Name + " was not applied"
		}
	case stageDeleteProxy:
		if sameName(artifact.KindProduct, true) {
			return "its API product " + s.Name + " was not deleted"
		}
	case stageDeleteLinstor:
		if env[stageDeleteProduct] || env[stageDeleteProxy] {
			return "an Apigee delete of " + s.Env + " did not happen"
		}
		if env[stageDeleteLinstorBackup] {
			return "a backup schedule of " + s.Env + " was not removed"
		}
	}
	return blockedBackup(env, s, sameName)
}

// blockedBackup says why a step of LINSTOR's backup objects must not run:
// what it needs was not applied, or what needs it was not removed.
func blockedBackup(env map[int]bool, s step, sameName func(string, bool) bool) string {
	switch s.stage {
	case stageLinstorSchedule:
		if env[stageLinstorRemote] {
			return "a LINSTOR remote of " + s.Env + " was not applied"
		}
	case stageLinstorBackup:
		if env[stageLinstorRemote] || env[stageLinstorSchedule] {
			return "a LINSTOR remote or schedule of " + s.Env + " was not applied"
		}
		if sameName(artifact.KindResourceGroup, false) {
			return "its resource group " + s.Name + " was not applied"
		}
	case stageDeleteLinstorSchedule, stageDeleteLinstorRemote:
		if env[stageDeleteLinstorBackup] || (s.stage == stageDeleteLinstorRemote && env[stageDeleteLinstorSchedule]) {
			return "a backup schedule of " + s.Env + " that uses it was not removed"
		}
	}
	return ""
}

type nopReporter struct{}

func (nopReporter) Begin(int)        {}
func (nopReporter) Started(Change)   {}
func (nopReporter) Finished(Outcome) {}
