// Package compile turns a validated configuration into the objects lingate
// manages, per environment: LINSTOR resource groups (compile/linstor) and
// Apigee proxy bundles and API products (compile/apigee). It does no I/O
// except Write, which lays the artifacts out on disk.
package compile

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/compile/linstor"
	"github.com/lingate/lingate/compile/observability"
	"github.com/lingate/lingate/schema"
)

// Compile returns every object for env, in apply order: resource groups,
// then proxies, then products; and the environment's monitoring files
// (compile/observability).
func Compile(cfg *schema.Config, env string) (artifact.Set, error) {
	sets, err := All(cfg, []string{env})
	if err != nil {
		return artifact.Set{}, err
	}
	return sets[0], nil
}

// All compiles every environment in envs, or every declared one when envs
// is empty, sorted by environment name. Proxies equal in several
// environments share their files: objects are read-only.
func All(cfg *schema.Config, envs []string) ([]artifact.Set, error) {
	sets, errs := AllOf([]Config{{cfg, envs}})
	return sets[0], errs[0]
}

// Config is one configuration to compile (the policies at one commit, say)
// and its environments; every declared one when Envs is empty.
type Config struct {
	Cfg  *schema.Config
	Envs []string
}

// AllOf is All of several configurations at once, each result and error at
// its configuration's index. A product whose bundle is the same in two of
// them (one a change does not touch) is rendered once, so comparing two
// commits costs little more than compiling one.
func AllOf(cfgs []Config) ([][]artifact.Set, []error) {
	byEnv := make([]map[string]*artifact.Set, len(cfgs))
	sides := make([]Side, len(cfgs))
	for i, c := range cfgs {
		envs := envsOf(c)
		byEnv[i] = map[string]*artifact.Set{}
		for _, env := range envs {
			byEnv[i][env] = &artifact.Set{Env: env}
		}
		sides[i] = Side{Config: Config{c.Cfg, envs}, Emit: func(env string, o artifact.Object) error {
			byEnv[i][env].Objects = append(byEnv[i][env].Objects, o)
			return nil
		}}
	}
	errs := StreamSides(sides)
	out := make([][]artifact.Set, len(cfgs))
	for i := range cfgs {
		if errs[i] != nil {
			continue
		}
		out[i] = make([]artifact.Set, 0, len(byEnv[i]))
		for _, env := range schema.Names(byEnv[i]) {
			set := byEnv[i][env]
			set.Sort()
			set.Monitoring, errs[i] = observability.Files(cfgs[i].Cfg, env)
			if errs[i] != nil {
				out[i] = nil
				break
			}
			out[i] = append(out[i], *set)
		}
	}
	return out, errs
}

// envsOf is c's environments, every declared one when none is named,
// sorted and each once.
func envsOf(c Config) []string {
	if len(c.Envs) == 0 {
		return c.Cfg.EnvironmentNames()
	}
	return slices.Compact(slices.Sorted(slices.Values(c.Envs)))
}

// WriteMonitoring adds to w the monitoring files (compile/observability) of
// every environment in envs, or of every declared one when envs is empty:
// what Stream leaves out of a compile written as it streams.
func WriteMonitoring(w *Writer, cfg *schema.Config, envs []string) error {
	for _, env := range envsOf(Config{cfg, envs}) {
		files, err := observability.Files(cfg, env)
		if err != nil {
			return err
		}
		if err := w.AddFiles(env, files); err != nil {
			return err
		}
	}
	return nil
}

// Stream compiles every environment in envs, or every declared one when
// envs is empty, and hands each object to emit as soon as it is built:
// objects come in no fixed order, from one goroutine at a time. Products
// compile concurrently, each once for all its environments (see
// apigee.CompileProduct), so memory holds only the products in flight.
// Problems in the policies are returned once every product was tried, all
// of them, as All returns them; an error from emit stops the compile.
func Stream(cfg *schema.Config, envs []string, emit func(env string, o artifact.Object) error) error {
	return StreamSides([]Side{{Config{cfg, envs}, emit}})[0]
}

// Side is a configuration to compile and where its objects go.
type Side struct {
	Config
	Emit func(env string, o artifact.Object) error
}

// StreamSides is Stream of several configurations at once: each product is
// one task for all of them (see apigee.Bundles). It returns each side's
// error at its index; an error from any Emit stops every side with it.
func StreamSides(sides []Side) []error {
	errs := make([][]error, len(sides))
	ok := make([]bool, len(sides))
	for i := range sides {
		errs[i], ok[i] = checkEnvs(&sides[i])
	}
	var compiled []Side
	for i, s := range sides {
		if !ok[i] {
			continue
		}
		for _, env := range s.Envs {
			groups, err := linstor.Compile(s.Cfg, env)
			errs[i] = append(errs[i], err)
			for _, o := range groups {
				if err := s.Emit(env, o); err != nil {
					return fill(len(sides), err)
				}
			}
		}
		compiled = append(compiled, s)
	}
	perSide, err := compileProducts(compiled)
	if err != nil {
		return fill(len(sides), err)
	}
	out := make([]error, len(sides))
	j := 0
	for i := range sides {
		if ok[i] {
			errs[i] = append(errs[i], perSide[j]...)
			j++
		}
		out[i] = join(errs[i]...)
	}
	return out
}

// checkEnvs settles s's environments (envsOf) and reports those it does
// not declare; ok when it declares them all.
func checkEnvs(s *Side) (errs []error, ok bool) {
	s.Envs = envsOf(s.Config)
	for _, env := range s.Envs {
		if _, declared := s.Cfg.Environments[env]; !declared {
			errs = append(errs, fmt.Errorf("environment %s: not declared (declared: %v)", env, s.Cfg.EnvironmentNames()))
		}
	}
	return errs, len(errs) == 0
}

// fill is n copies of err.
func fill(n int, err error) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

// compileProducts compiles every product deployed to an environment of a
// side on GOMAXPROCS workers, emitting from the calling goroutine. It
// returns each side's product errors in product order, or emit's error.
func compileProducts(sides []Side) ([][]error, error) {
	names := productsIn(sides)
	type result struct {
		i        int
		compiled [][]apigee.Compiled
		errs     []error
	}
	errs := make([][]error, len(sides))
	for s := range sides {
		errs[s] = make([]error, len(names))
	}
	work := func(i int) result {
		r := result{i: i, compiled: make([][]apigee.Compiled, len(sides)), errs: make([]error, len(sides))}
		var bundles apigee.Bundles
		for s, side := range sides {
			if _, ok := side.Cfg.Products[names[i]]; ok {
				r.compiled[s], r.errs[s] = bundles.Compile(side.Cfg, side.Envs, names[i])
			}
		}
		return r
	}
	err := parallel(len(names), work, func(r result) error {
		for s, side := range sides {
			errs[s][r.i] = r.errs[s]
			if err := emitCompiled(r.compiled[s], side.Emit); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// parallel runs work for 0 to n-1 on GOMAXPROCS workers and hands each
// result to done from the calling goroutine, in no fixed order; a worker
// waits for done to take its result, so only the tasks in flight are held.
// The first error from done stops the work and is returned.
func parallel[R any](n int, work func(int) R, done func(R) error) error {
	jobs := make(chan int)
	results := make(chan R)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Go(func() {
			for i := range jobs {
				r := work(i)
				select {
				case results <- r:
				case <-stop:
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		if err := done(r); err != nil {
			close(stop)
			for range results {
			}
			return err
		}
	}
	return nil
}

// emitCompiled emits the proxies and products of one product.
func emitCompiled(compiled []apigee.Compiled, emit func(string, artifact.Object) error) error {
	for _, c := range compiled {
		if err := emit(c.Env, c.Proxy); err != nil {
			return err
		}
		if err := emit(c.Env, c.Product); err != nil {
			return err
		}
	}
	return nil
}

// productsIn is the names of the products deployed to an environment of
// a side, sorted.
func productsIn(sides []Side) []string {
	seen := map[string]bool{}
	for _, s := range sides {
		for name, p := range s.Cfg.Products {
			if slices.ContainsFunc(p.Environments, func(e string) bool { return slices.Contains(s.Envs, e) }) {
				seen[name] = true
			}
		}
	}
	return schema.Names(seen)
}

// Check runs the checks that only compiling can make, per environment
// (LINSTOR names and properties; values a proxy bundle cannot hold), and on
// tiers no environment uses yet, without building bundles; validate uses it.
func Check(cfg *schema.Config) error {
	errs := []error{linstor.CheckUnused(cfg)}
	for _, env := range cfg.EnvironmentNames() {
		_, lerr := linstor.Compile(cfg, env)
		errs = append(errs, lerr, apigee.Check(cfg, env))
	}
	return join(errs...)
}

// join merges errors, keeping problems in the policies as one sorted
// schema.Errors so they print at their positions.
func join(errs ...error) error {
	var problems schema.Errors
	var others []error
	for _, err := range errs {
		var pe schema.Errors
		switch {
		case err == nil:
		case errors.As(err, &pe):
			problems = append(problems, pe...)
		default:
			others = append(others, err)
		}
	}
	if len(others) > 0 {
		return errors.Join(others...)
	}
	if len(problems) > 0 {
		return problems.Sort()
	}
	return nil
}
