package simulate_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/internal/simulate"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// TestSimulatorAgreesWithIntent runs every (role, product, operation,
// method) and near misses through the compiled proxies and through the
// policies' rules (access.Decide), for the example policies and a
// generated repository, and requires the same decision, role, quota and
// tier.
func TestSimulatorAgreesWithIntent(t *testing.T) {
	repos := map[string]*schema.Config{
		"example":   loadExample(t),
		"generated": loadGenerated(t, testgen.Size{Products: 12, Roles: 30}),
		"rich":      loadDir(t, "testdata/rich"),
	}
	for name, cfg := range repos {
		t.Run(name, func(t *testing.T) {
			n := 0
			for _, env := range cfg.EnvironmentNames() {
				e, err := simulate.New(cfg, env, apigee.Bundle, apigee.ProductOperations)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range cfg.ProductsIn(env) {
					for _, c := range cases(cfg, p) {
						n++
						compare(t, cfg, e, p, c)
					}
				}
			}
			if n < 100 {
				t.Fatalf("only %d cases: the generator lost its coverage", n)
			}
		})
	}
}

// probe is one request to one product: a method, a path below the base
// path and the caller's groups (nil: the claim is absent).
type probe struct {
	method, suffix string
	groups         []string
}

// cases are the requests tried on p: every role's every group, and every
// pair of roles, on every operation (with and without a trailing slash)
// with every method (HEAD included), an unknown path, the bare base path,
// and near-miss groups.
func cases(cfg *schema.Config, p *schema.Product) []probe {
	var out []probe
	paths := []string{"/no-such-operation/zz", ""} // and the bare base path
	for _, op := range access.Operations(p) {
		if c := concrete(op.Path); c == "/" {
			paths = append(paths, c)
		} else {
			paths = append(paths, c, c+"/") // a trailing slash is the same path
		}
	}
	var all []string
	roles := cfg.RolesFor(p.Name)
	for i, a := range roles {
		for _, b := range roles[i+1:] {
			for _, path := range paths {
				for _, m := range access.AllMethods {
					out = append(out, probe{m, path, []string{a.Members.Claims.Groups[0], b.Members.Claims.Groups[0]}})
				}
			}
		}
	}
	for _, r := range roles {
		all = append(all, r.Members.Claims.Groups...)
		for _, g := range r.Members.Claims.Groups {
			for _, groups := range [][]string{{g}, {g + "x"}, {g[:len(g)-1]}, {`"` + g + `"`}, {"[" + g + "]"}, {strings.ToUpper(g)}} {
				for _, path := range paths {
					for _, m := range append(slices.Clone(access.AllMethods), "PROPFIND") {
						out = append(out, probe{m, path, groups})
					}
				}
			}
		}
	}
	for _, path := range paths {
		for _, m := range access.AllMethods {
			out = append(out, probe{m, path, nil}, probe{m, path, []string{}}, probe{m, path, all})
		}
	}
	return out
}

// concrete is a request path an operation path matches.
func concrete(path string) string {
	segs := strings.Split(access.PathPattern(path), "/")
	for i, s := range segs {
		switch s {
		case "*":
			segs[i] = "x1"
		case "**":
			segs[i] = "deep/er"
		}
	}
	return strings.Join(segs, "/")
}

// compare runs one probe both ways.
func compare(t *testing.T, cfg *schema.Config, e *simulate.Env, p *schema.Product, c probe) {
	t.Helper()
	claims := map[string]string{"sub": `"alice"`}
	if c.groups != nil {
		data, _ := json.Marshal(c.groups)
		claims[p.Auth.Claim()] = string(data)
	}
	path := strings.TrimSuffix(p.BasePath, "/") + c.suffix
	got, err := e.Run(simulate.Request{Method: c.method, Path: path, Claims: claims})
	if err != nil {
		t.Fatal(err)
	}
	want := access.Decide(cfg, p, c.groups, c.method, c.suffix)
	where := fmt.Sprintf("%s %s %s groups %q", e.Name, c.method, path, c.groups)
	if got.Proxy != p.Name {
		t.Fatalf("%s: served by proxy %q, want %q", where, got.Proxy, p.Name)
	}
	status := got.Status
	if got.Reached {
		status = 0
	}
	if status != want.Status {
		t.Fatalf("%s: simulator status %d (%s), policies %d", where, status, got.Error, want.Status)
	}
	if !got.Reached {
		return
	}
	if got.Role != want.Role || got.Tier != want.Tier || got.Target != want.Target {
		t.Fatalf("%s: simulator role %s tier %s target %s, policies role %s tier %s target %s", where, got.Role, got.Tier, got.Target, want.Role, want.Tier, want.Target)
	}
	if rg := cfg.Environments[e.Name].Linstor.ResourceGroupPrefix + want.Tier; got.ResourceGroup != rg {
		t.Fatalf("%s: simulator resource group %s, policies %s", where, got.ResourceGroup, rg)
	}
	if g, w := roleQuota(got), want.Quota; (g == nil) != (w == nil) || g != nil && rate(*g) != w.Rate() {
		t.Fatalf("%s: simulator role quota %v, policies %v", where, g, w)
	}
	// A per-second quota is counted per minute, paired with a SpikeArrest
	// at the stated rate.
	spike := ""
	if w := want.Quota; w != nil && w.Per == "second" {
		spike = fmt.Sprintf("SA-RoleRate %dps %s:", w.Limit, want.Role)
	}
	roleSpikes := slices.DeleteFunc(slices.Clone(got.RateLimits), func(s string) bool { return !strings.HasPrefix(s, "SA-RoleRate ") })
	if spike == "" && len(roleSpikes) > 0 || spike != "" && (len(roleSpikes) != 1 || !strings.HasPrefix(roleSpikes[0], spike)) {
		t.Fatalf("%s: simulator role spike arrests %q, policies %q", where, roleSpikes, spike)
	}
}

// roleQuota is the Q-Role quota the request counted against, if any.
func roleQuota(r simulate.Result) *simulate.Quota {
	for _, q := range r.Quotas {
		if q.Policy == "Q-Role" {
			return &q
		}
	}
	return nil
}

// rate is a quota in calls per second.
func rate(q simulate.Quota) float64 {
	return float64(q.Count) / map[string]float64{"minute": 60, "hour": 3600, "day": 86400, "month": 30 * 86400}[q.Unit]
}

func loadExample(t testing.TB) *schema.Config {
	t.Helper()
	return loadDir(t, "../..")
}

// loadDir loads the policies folder under dir.
func loadDir(t testing.TB, dir string) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(dir), "policies")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func loadGenerated(t testing.TB, size testgen.Size) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(testgen.MapFS(testgen.Files(size)), "policies")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
