// Package sandbox runs lingate's embedded Apigee and LINSTOR emulators for
// one sandbox environment: their state under the repository's
// .lingate/sandbox/<env>/, the LINSTOR cluster seeded with the storage pools
// the policies name, and HTTP serving on loopback until stopped.
package sandbox

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/lingate/lingate/internal/emulator/apigee"
	"github.com/lingate/lingate/internal/emulator/linstor"
	"github.com/lingate/lingate/schema"
)

// StateRoot is where sandbox state lives, relative to the repository.
const StateRoot = ".lingate/sandbox"

// State file names inside a sandbox state folder.
const (
	ApigeeStateFile  = "apigee.json"
	LinstorStateFile = "linstor.json"
)

// StateDir is the state folder of sandbox environment env in the repository at root.
func StateDir(root, env string) string {
	return filepath.Join(root, filepath.FromSlash(StateRoot), env)
}

// Seed is what a new emulated LINSTOR cluster starts with.
type Seed struct {
	// Pools are the storage pools on every node.
	Pools []string
	// Providers maps a pool to the provider kind its tier asks for.
	Providers map[string]string
	// Apigee are the organizations and environments that exist in the
	// emulated Apigee; nil leaves it open (see apigee.Config.Organizations).
	Apigee []apigee.Organization
}

// SeedFor names the pools of every tier deployed to env, or of every tier
// when env is empty, each with the first provider its tier lists; and the
// Apigee organization, environment and TargetServers of env, or of every
// sandbox environment when env is empty (see ApigeeFor).
func SeedFor(cfg *schema.Config, env string) Seed {
	tiers := cfg.TiersIn(env)
	if env == "" {
		tiers = nil
		for _, name := range schema.Names(cfg.Tiers) {
			tiers = append(tiers, cfg.Tiers[name])
		}
	}
	s := Seed{Providers: map[string]string{}}
	for _, t := range tiers {
		for _, p := range append(slices.Clone(t.StoragePools), t.DisklessPools...) {
			if !slices.Contains(s.Pools, p) {
				s.Pools = append(s.Pools, p)
			}
			if _, ok := s.Providers[p]; !ok && len(t.Providers) > 0 && !slices.Contains(t.DisklessPools, p) {
				s.Providers[p] = t.Providers[0]
			}
		}
	}
	slices.Sort(s.Pools)
	s.Apigee = ApigeeFor(cfg, env)
	return s
}

// EnvironmentGroup is the environment group the sandbox attaches every
// environment of an organization to, as a real organization whose
// environments share hostnames does.
const EnvironmentGroup = "sandbox"

// ApigeeFor declares the Apigee organization and environment of env (its
// apigee.organization, "sandbox" by default, and its apigee.environment,
// its own name by default), or those of every sandbox environment when env
// is empty; the environments of one organization share one environment
// group, and each environment has the TargetServers its products name. It
// is nil when there is none, which leaves the emulator open.
func ApigeeFor(cfg *schema.Config, env string) []apigee.Organization {
	var names []string
	if env != "" && cfg.Environments[env] != nil {
		names = []string{env}
	} else if env == "" {
		for _, n := range cfg.EnvironmentNames() {
			if cfg.Environments[n].Sandbox {
				names = append(names, n)
			}
		}
	}
	var orgs []apigee.Organization
	for _, n := range names {
		a := cfg.Environments[n].Apigee
		org, apiEnv := a.Organization, a.Environment
		if org == "" {
			org = schema.SandboxOrganization
		}
		if apiEnv == "" {
			apiEnv = n
		}
		i := slices.IndexFunc(orgs, func(o apigee.Organization) bool { return o.Name == org })
		if i < 0 {
			orgs = append(orgs, apigee.Organization{Name: org, EnvironmentGroups: map[string][]string{}})
			i = len(orgs) - 1
		}
		if !slices.Contains(orgs[i].Environments, apiEnv) {
			orgs[i].Environments = append(orgs[i].Environments, apiEnv)
			orgs[i].EnvironmentGroups[EnvironmentGroup] = append(orgs[i].EnvironmentGroups[EnvironmentGroup], apiEnv)
		}
		if servers := targetServers(cfg, n); len(servers) > 0 {
			if orgs[i].TargetServers == nil {
				orgs[i].TargetServers = map[string][]string{}
			}
			orgs[i].TargetServers[apiEnv] = append(orgs[i].TargetServers[apiEnv], servers...)
		}
	}
	return orgs
}

// targetServers names the TargetServers the products of env reach their
// backends through, sorted: a sandbox has them from the start, as a real
// environment has them before lingate deploys.
func targetServers(cfg *schema.Config, env string) []string {
	var out []string
	for _, p := range cfg.ProductsIn(env) {
		targets := []*schema.Target{p.Target}
		for _, name := range schema.Names(p.Targets) {
			targets = append(targets, p.Targets[name])
		}
		for _, t := range targets {
			if t != nil && t.Server != "" && !slices.Contains(out, t.Server) {
				out = append(out, t.Server)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Sandbox is the pair of emulators of one sandbox environment.
type Sandbox struct {
	Apigee  *apigee.Server
	Linstor *linstor.Server
	// Dir is the state folder; empty for a sandbox kept in memory.
	Dir string
	// held releases the state folder's lock taken by OpenLocked; Serve
	// releases it when it ends.
	held func() error
}

// OpenLocked takes the lock of the state folder dir and then loads it (see
// Open), so that no other process changes the state between the load and
// the Serve that follows: Serve keeps the lock and releases it when done.
func OpenLocked(dir string, seed Seed) (*Sandbox, error) {
	if dir == "" {
		return Open(dir, seed)
	}
	release, err := LockState(dir)
	if err != nil {
		return nil, err
	}
	sb, err := Open(dir, seed)
	if err != nil {
		return nil, errors.Join(err, release())
	}
	sb.held = release
	return sb, nil
}

// Open loads the sandbox state in dir, or starts a new one seeded with seed;
// dir "" keeps everything in memory.
func Open(dir string, seed Seed) (*Sandbox, error) {
	file := func(name string) string {
		if dir == "" {
			return ""
		}
		return filepath.Join(dir, name)
	}
	a, err := apigee.New(apigee.Config{StateFile: file(ApigeeStateFile), Organizations: seed.Apigee})
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: %w", dir, err)
	}
	l, err := linstor.New(linstor.Config{StateFile: file(LinstorStateFile), Pools: seed.Pools, PoolProviders: seed.Providers})
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: %w", dir, err)
	}
	return &Sandbox{Apigee: a, Linstor: l, Dir: dir}, nil
}

// Save writes both emulators' state.
func (s *Sandbox) Save() error {
	if err := s.Apigee.Save(); err != nil {
		return fmt.Errorf("sandbox %s: %w", s.Dir, err)
	}
	if err := s.Linstor.Save(); err != nil {
		return fmt.Errorf("sandbox %s: %w", s.Dir, err)
	}
	return nil
}
