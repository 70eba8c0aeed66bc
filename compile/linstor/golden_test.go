package linstor

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/golden"
	"github.com/lingate/lingate/schema"
)

// estate is a config with three environments and tiers used in some of them:
// prod uses fast, standard (a product's tier) and archive (a product's
// per-tier target); staging uses fast and bulk (a role's tier); the sandbox
// only fast; cold is declared but unused.
func estate() *schema.Config {
	return &schema.Config{
		Environments: map[string]*schema.Environment{
			"prod": {Name: "prod", Linstor: schema.LinstorTarget{Controllers: []string{
				"https://linstor-a.prod:3371", "https://linstor-b.prod:3371"}}},
			"staging": {Name: "staging", Linstor: schema.LinstorTarget{
				Controllers: []string{"https://linstor.staging:3371"}, ResourceGroupPrefix: "stg-"}},
			"sandbox": {Name: "sandbox", Sandbox: true, Linstor: schema.LinstorTarget{ResourceGroupPrefix: "sbx_"}},
		},
		Tiers: map[string]*schema.Tier{
			"fast": newTier("fast", func(t *schema.Tier) {
				t.Description = "NVMe, three synchronous replicas in three zones"
				t.Providers, t.ReplicasOnDifferent = []string{"LVM_THIN"}, []string{"Aux/zone"}
				t.DRBD.OnNoQuorum = "io-error"
				t.Volumes = []schema.Volume{{Size: "20GiB"}}
			}),
			"standard": newTier("standard", func(t *schema.Tier) {
				t.Description, t.Replicas = "SSD, two replicas", 2
				t.StoragePools, t.DisklessPools = []string{"ssd-a", "ssd-b"}, []string{"diskless"}
				t.DisklessOnRemaining = ptr(false)
				t.Volumes = []schema.Volume{{Size: "50G"}, {}}
			}),
			"archive": newTier("archive", func(t *schema.Tier) {
				t.Description, t.Replicas, t.Encrypted = "Encrypted HDD, asynchronous", 2, true
				t.StoragePools, t.Providers = []string{"hdd-zfs"}, []string{"zfsthin"}
				t.DRBD.Protocol = "A"
				t.Properties = map[string]string{"FileSystem/Type": "xfs", "DrbdOptions/Net/max-buffers": "08000", "Aux/team": "backup & restore"}
				t.Volumes = nil
			}),
			"bulk": newTier("bulk", func(t *schema.Tier) {
				t.Description, t.Replicas, t.Layers = "Local disks, no replication", 1, []string{"STORAGE"}
				t.NotPlaceWith, t.ReplicasOnSame = []string{"legacy-db"}, []string{"Aux/rack=r1"}
			}),
			"cold": newTier("cold"),
		},
		Products: map[string]*schema.Product{
			"orders":  product("orders", "fast", "prod", "staging", "sandbox"),
			"reports": withTargets(product("reports", "standard", "prod"), "archive"),
			"uploads": product("uploads", "fast", "staging"),
		},
		Roles: map[string]*schema.Role{
			"importer": {Name: "importer", Tier: "bulk", Grants: map[string]*schema.Grant{"uploads": {Scopes: []string{"uploads.write"}}}},
		},
	}
}

func withTargets(p *schema.Product, tiers ...string) *schema.Product {
	p.Targets = map[string]*schema.Target{}
	for _, t := range tiers {
		p.Targets[t] = &schema.Target{URL: "https://" + t + ".internal"}
	}
	return p
}

// compileAll compiles every environment of cfg into files keyed by <env>/<path>.
func compileAll(t *testing.T, cfg *schema.Config) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, env := range cfg.EnvironmentNames() {
		objs, err := Compile(cfg, env)
		if err != nil {
			t.Fatalf("Compile(%s): %v", env, err)
		}
		for _, o := range objs {
			checkSpec(t, env+"/"+o.Name, o.Files[0].Data)
			for _, f := range o.Files {
				files[env+"/"+f.Path] = f.Data
			}
		}
	}
	return files
}

func TestGolden(t *testing.T) {
	golden.Tree(t, filepath.Join("testdata", "golden"), compileAll(t, estate()))
}

// TestTiersPerEnvironment checks that each environment gets exactly the tiers
// its products and roles use, under its own prefix.
func TestTiersPerEnvironment(t *testing.T) {
	want := map[string][]string{
		"prod":    {"archive", "fast", "standard"},
		"staging": {"stg-bulk", "stg-fast"},
		"sandbox": {"sbx_fast"},
	}
	cfg := estate()
	for env, rgs := range want {
		objs, err := Compile(cfg, env)
		if err != nil {
			t.Fatalf("Compile(%s): %v", env, err)
		}
		if got := names(objs); !slices.Equal(got, rgs) {
			t.Errorf("%s: resource groups %v, want %v", env, got, rgs)
		}
		for _, o := range objs {
			checkFields(t, jsonDoc(t, o.Files[0].Data), map[string]any{"name": o.Name, "props." + PropEnvironment: env})
		}
	}
}

// TestDeterministic compiles the same input repeatedly, from fresh configs, and
// wants the same bytes and order every time.
func TestDeterministic(t *testing.T) {
	first := map[string][]artifact.Object{}
	for i := range 20 {
		cfg := estate()
		for _, env := range cfg.EnvironmentNames() {
			objs, err := Compile(cfg, env)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first[env] = objs
				continue
			}
			if !slices.EqualFunc(objs, first[env], sameObject) {
				t.Fatalf("run %d of %s differs from the first", i, env)
			}
		}
	}
}

func sameObject(a, b artifact.Object) bool {
	return a.System == b.System && a.Kind == b.Kind && a.Name == b.Name &&
		slices.EqualFunc(a.Files, b.Files, func(x, y artifact.File) bool { return x.Path == y.Path && bytes.Equal(x.Data, y.Data) })
}
