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
	"github.com/lingate/lingate/schema"
)

// Compile returns every object for env, in apply order: resource groups,
// then proxies, then products.
func Compile(cfg *schema.Config, env string) (artifact.Set, error) {
	sets, err := All(cfg, []string{env})
	if err != nil {
		return artifact.Set{}, err
	}
	return sets[0], nil
}

// All compiles every environment in envs, or every declared one when envs
// is empty, sorted by environment name.
func All(cfg *schema.Config, envs []string) ([]artifact.Set, error) {
	if len(envs) == 0 {
		envs = cfg.EnvironmentNames()
	}
	byEnv := map[string]*artifact.Set{}
	for _, env := range envs {
		byEnv[env] = &artifact.Set{Env: env}
	}
	err := Stream(cfg, envs, func(env string, o artifact.Object) error {
		byEnv[env].Objects = append(byEnv[env].Objects, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sets := make([]artifact.Set, 0, len(byEnv))
	for _, env := range schema.Names(byEnv) {
		set := byEnv[env]
		set.Sort()
		sets = append(sets, *set)
	}
	return sets, nil
}

// Stream compiles every environment in envs, or every declared one when
// envs is empty, and hands each object to emit as soon as it is built:
// objects come in no fixed order, from one goroutine at a time. Products
// compile concurrently, each once for all its environments (see
// apigee.CompileProduct), so memory holds only the products in flight.
// Problems in the policies are returned once every product was tried, all
// of them, as All returns them; an error from emit stops the compile.
func Stream(cfg *schema.Config, envs []string, emit func(env string, o artifact.Object) error) error {
	if len(envs) == 0 {
		envs = cfg.EnvironmentNames()
	}
	envs = slices.Compact(slices.Sorted(slices.Values(envs)))
	var errs []error
	for _, env := range envs {
		if _, ok := cfg.Environments[env]; !ok {
			errs = append(errs, fmt.Errorf("environment %s: not declared (declared: %v)", env, cfg.EnvironmentNames()))
		}
	}
	if err := join(errs...); err != nil {
		return err
	}
	for _, env := range envs {
		groups, err := linstor.Compile(cfg, env)
		errs = append(errs, err)
		for _, o := range groups {
			if err := emit(env, o); err != nil {
				return err
			}
		}
	}
	errs = append(errs, compileProducts(cfg, envs, emit)...)
	return join(errs...)
}

// compileProducts compiles every product deployed to one of envs on
// GOMAXPROCS workers, emitting from the calling goroutine. It returns the
// products' errors in product order, or emit's error alone.
func compileProducts(cfg *schema.Config, envs []string, emit func(string, artifact.Object) error) []error {
	names := productsIn(cfg, envs)
	type result struct {
		i        int
		compiled []apigee.Compiled
		err      error
	}
	jobs := make(chan int)
	results := make(chan result)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(names), 1)) {
		wg.Go(func() {
			for i := range jobs {
				c, err := apigee.CompileProduct(cfg, envs, names[i])
				select {
				case results <- result{i, c, err}:
				case <-stop:
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range names {
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	errs := make([]error, len(names))
	for r := range results {
		errs[r.i] = r.err
		if err := emitCompiled(r.compiled, emit); err != nil {
			close(stop)
			for range results {
			}
			return []error{err}
		}
	}
	return errs
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

// productsIn is the names of the products deployed to any of envs, sorted.
func productsIn(cfg *schema.Config, envs []string) []string {
	var names []string
	for name, p := range cfg.Products {
		if slices.ContainsFunc(p.Environments, func(e string) bool { return slices.Contains(envs, e) }) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
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
