package linstor

import (
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

// twoEnvs has prod and staging with the given prefixes and controllers, and a
// product per environment on the given tiers.
func twoEnvs(prodPrefix, stagingPrefix string, prodCtrl, stagingCtrl []string, prodTier, stagingTier string) *schema.Config {
	cfg := &schema.Config{
		Environments: map[string]*schema.Environment{
			"prod":    {Name: "prod", Linstor: schema.LinstorTarget{Controllers: prodCtrl, ResourceGroupPrefix: prodPrefix}},
			"staging": {Name: "staging", Linstor: schema.LinstorTarget{Controllers: stagingCtrl, ResourceGroupPrefix: stagingPrefix}},
		},
		Tiers:    map[string]*schema.Tier{},
		Products: map[string]*schema.Product{"a": product("a", prodTier, "prod"), "b": product("b", stagingTier, "staging")},
	}
	for _, tier := range []string{prodTier, stagingTier} {
		cfg.Tiers[tier] = newTier(tier)
	}
	return cfg
}

// TestNameRules checks LINSTOR's name rules on prefix + tier, reported at the right field.
func TestNameRules(t *testing.T) {
	long := strings.Repeat("p", 44)
	tests := []struct {
		name, prefix, tier string
		path               string
		fragments          []string
	}{
		{"too short", "", "a", "tiers.a", []string{`"a"`, "has 1 bytes", "2 to 48"}},
		{"too long by the prefix", long, "fast-nvme", "environments.prod.linstor.resourceGroupPrefix", []string{"has 53 bytes", "2 to 48"}},
		{"too long without a prefix", "", strings.Repeat("t", 49), "tiers." + strings.Repeat("t", 49), []string{"has 49 bytes"}},
		{"prefix starting with a digit", "1-", "fast", "environments.prod.linstor.resourceGroupPrefix", []string{`"1-"`, "start with a letter or _"}},
		{"prefix starting with a dash", "-x", "fast", "environments.prod.linstor.resourceGroupPrefix", []string{"start with a letter or _"}},
		{"prefix with a dot", "prod.", "fast", "environments.prod.linstor.resourceGroupPrefix", []string{"only letters, digits, _ and -"}},
		{"prefix filling the name", strings.Repeat("p", 48), "fast", "environments.prod.linstor.resourceGroupPrefix", []string{"no room for a tier name"}},
		{"tier with a dot", "", "fast.nvme", `tiers."fast.nvme"`, []string{"only letters, digits, _ and -"}},
		{"tier starting with a digit", "", "1fast", "tiers.\"1fast\"", []string{"start with a letter or _"}},
		{"no letter", "_", "1", "tiers.\"1\"", []string{"at least one letter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := singleTier(newTier(tt.tier))
			cfg.Environments["prod"].Linstor.ResourceGroupPrefix = tt.prefix
			errs := compileErrors(t, cfg, "prod")
			if _, ok := findError(errs, tt.path, tt.fragments...); !ok {
				t.Errorf("want an error at %s with %q, got:\n%v", tt.path, tt.fragments, errs)
			}
		})
	}
}

// TestValidNames checks names at LINSTOR's limits compile.
func TestValidNames(t *testing.T) {
	for _, tc := range []struct{ prefix, tier string }{
		{"", "ab"}, {"_", "a"}, {"Hot_", "fast"}, {strings.Repeat("p", 47), "a"}, {"", strings.Repeat("t", 48)},
	} {
		cfg := singleTier(newTier(tc.tier))
		cfg.Environments["prod"].Linstor.ResourceGroupPrefix = tc.prefix
		compileOne(t, cfg, "prod", tc.prefix+tc.tier)
	}
}

// TestCollisions checks that resource groups which are one LINSTOR object
// (case-insensitive names on a shared controller) are errors in both environments.
func TestCollisions(t *testing.T) {
	shared := []string{"https://linstor.example:3371"}
	tests := []struct {
		name string
		cfg  *schema.Config
	}{
		{"prefixes differing in case", twoEnvs("Hot", "hot", shared, shared, "fast", "fast")},
		{"prefix and tier splitting one name", twoEnvs("Ab", "a", shared, shared, "c", "bc")},
		{"same prefix", twoEnvs("", "", shared, []string{"https://other:3371", "HTTPS://LINSTOR.example:3371/"}, "fast", "fast")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for env, other := range map[string]string{"prod": "staging", "staging": "prod"} {
				errs := compileErrors(t, tt.cfg, env)
				if _, ok := findError(errs, prefixPath(env), "one object on LINSTOR controller", "environment "+other, "case-insensitive"); !ok {
					t.Errorf("%s: want a collision error at %s, got:\n%v", env, prefixPath(env), errs)
				}
			}
		})
	}
}

// TestNoCollision checks environments on different clusters, and sandboxes, may share names.
func TestNoCollision(t *testing.T) {
	cfg := twoEnvs("", "", []string{"https://a:3371"}, []string{"https://b:3371"}, "fast", "fast")
	compileOne(t, cfg, "prod", "fast")
	cfg = twoEnvs("", "", nil, nil, "fast", "fast")
	cfg.Environments["prod"].Sandbox, cfg.Environments["staging"].Sandbox = true, true
	compileOne(t, cfg, "staging", "fast")
}

// TestCollisionWithinEnvironment checks two tiers whose names differ only in case
// (possible only in configs built in Go; the loader keeps tier names lower-case).
func TestCollisionWithinEnvironment(t *testing.T) {
	cfg := singleTier(newTier("fast"))
	cfg.Tiers["FAST"] = newTier("FAST")
	cfg.Products["b"] = product("b", "FAST", "prod")
	errs := compileErrors(t, cfg, "prod")
	if _, ok := findError(errs, "tiers.fast", `"fast"`, `"FAST"`, "one object in LINSTOR"); !ok {
		t.Errorf("want a collision error at tiers.fast, got:\n%v", errs)
	}
}
