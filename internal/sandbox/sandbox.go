// Package sandbox runs lingate's embedded Apigee and LINSTOR emulators for
// one sandbox environment: their state under the repository's
// .lingate/sandbox/<env>/, the LINSTOR cluster seeded with the storage pools
// the policies name, and HTTP serving on loopback until stopped.
package sandbox

import (
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
}

// SeedFor names the pools of every tier deployed to env, or of every tier
// when env is empty, each with the first provider its tier lists.
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
	return s
}

// Sandbox is the pair of emulators of one sandbox environment.
type Sandbox struct {
	Apigee  *apigee.Server
	Linstor *linstor.Server
	// Dir is the state folder; empty for a sandbox kept in memory.
	Dir string
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
	a, err := apigee.New(apigee.Config{StateFile: file(ApigeeStateFile)})
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
