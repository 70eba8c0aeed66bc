// Package compile turns a validated configuration into the objects lingate
// manages, per environment: LINSTOR resource groups (compile/linstor) and
// Apigee proxy bundles and API products (compile/apigee). It does no I/O
// except Write, which lays the artifacts out on disk.
package compile

import (
	"errors"
	"fmt"

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
	if _, ok := cfg.Environments[env]; !ok {
		return artifact.Set{}, fmt.Errorf("environment %s: not declared (declared: %v)", env, cfg.EnvironmentNames())
	}
	groups, lerr := linstor.Compile(cfg, env)
	proxies, aerr := apigee.Compile(cfg, env)
	if err := join(lerr, aerr); err != nil {
		return artifact.Set{}, err
	}
	monitoring, err := observability.Files(cfg, env)
	if err != nil {
		return artifact.Set{}, err
	}
	set := artifact.Set{Env: env, Objects: append(groups, proxies...), Monitoring: monitoring}
	set.Sort()
	return set, nil
}

// All compiles every environment in envs, or every declared one when envs
// is empty, sorted by environment name.
func All(cfg *schema.Config, envs []string) ([]artifact.Set, error) {
	if len(envs) == 0 {
		envs = cfg.EnvironmentNames()
	}
	sets := make([]artifact.Set, 0, len(envs))
	var errs []error
	for _, env := range envs {
		set, err := Compile(cfg, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sets = append(sets, set)
	}
	if err := join(errs...); err != nil {
		return nil, err
	}
	return sets, nil
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
