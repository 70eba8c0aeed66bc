package serve

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/apply/linstor"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/compile/observability"
	"github.com/lingate/lingate/internal/emulator"
	emulinstor "github.com/lingate/lingate/internal/emulator/linstor"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/schema"
)

// backupPolicies back the archive tier up to an S3 bucket (weekly full,
// daily incrementals) from environment prod, whose LINSTOR is CONTROLLER.
const backupPolicies = `package policies

environments: prod: {
	apigee: {organization: "acme", environment: "prod"}
	linstor: {
		controllers: ["CONTROLLER"]
		remotes: offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-linstor-backups", region: "eu-west-1"
			accessKeyEnv: "OFFSITE_ACCESS_KEY", secretKeyEnv: "OFFSITE_SECRET_KEY"}
	}
	prune:     true
	allowHTTP: true
}
tiers: archive: {description: "HDD", replicas: 2, storagePools: ["hdd-zfs"]
	backup: {remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * * 1-6", keepRemote: 8}
}
products: reports: {displayName: "Reports", basePath: "/reports", environments: ["prod"], target: url: "https://r.internal", auth: apiKey: {}, tier: "archive"}
`

// backupFixture is prod's LINSTOR emulator on a clock the test moves, the
// policies applied to it, and a collector reading it.
type backupFixture struct {
	clock *emulator.Clock
	ctrl  *httptest.Server // the LINSTOR controller
	gl    *client.Client
	c     *Collector
	srv   *httptest.Server
	cfg   *schema.Config
}

func newBackupFixture(t *testing.T) *backupFixture {
	t.Helper()
	clearLinstorEnv(t)
	f := &backupFixture{clock: emulator.NewClock(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC))} // a Tuesday
	emu, err := emulinstor.New(emulinstor.Config{Pools: []string{"hdd-zfs"}, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctrl := httptest.NewServer(emu)
	t.Cleanup(ctrl.Close)
	f.ctrl = ctrl
	root := t.TempDir()
	src := strings.Replace(backupPolicies, "CONTROLLER", ctrl.URL, 1)
	if err := os.MkdirAll(filepath.Join(root, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "policies", "p.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"OFFSITE_ACCESS_KEY": "AKIAEXAMPLE", "OFFSITE_SECRET_KEY": "s3-secret"}
	live := plan.LiveOptions{Policies: filepath.Join(root, "policies"), FS: os.DirFS(root), Dir: "policies",
		Connect: func(_ context.Context, env *schema.Environment, _ *schema.Config, _ string) (map[string]apply.Driver, func() error, error) {
			d, err := linstor.New(linstor.Config{Env: env.Name, Controllers: env.Linstor.Controllers, Retry: fastRetry,
				Getenv: func(k string) string { return vars[k] }})
			if err != nil {
				return nil, nil, err
			}
			return map[string]apply.Driver{artifact.SystemLinstor: d}, func() error { return nil }, nil
		}}
	applyLive(t, live, "prod")
	if f.cfg, err = schema.Load(os.DirFS(root), "policies"); err != nil {
		t.Fatal(err)
	}
	if f.gl, err = client.NewClient(client.BaseURL(mustURL(t, ctrl.URL)), client.Log(nil)); err != nil {
		t.Fatal(err)
	}
	f.c = New(Options{Live: live, Envs: []string{"prod"}, Version: "test", Now: f.clock.Now})
	f.srv = httptest.NewServer(f.c.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// applyLive applies the LINSTOR changes of env as `lingate apply` does.
func applyLive(t *testing.T, opts plan.LiveOptions, env string) {
	t.Helper()
	opts.Envs = []string{env}
	p, err := plan.Live(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cs := p.View.Changes
	cs.Changes = slices.DeleteFunc(slices.Clone(cs.Changes), func(c apply.Change) bool { return c.System != artifact.SystemLinstor })
	res, err := apply.Execute(context.Background(), cs, p.Head, p.Drivers, apply.ExecOptions{})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (f *backupFixture) scrape(t *testing.T) metrics {
	t.Helper()
	f.c.Read(context.Background())
	return scrape(t, f.srv.URL)
}

// TestLastBackupMetrics scrapes /metrics: the schedule's interval is there
// from the start; the last backup is absent until the schedule fires for a
// resource of the tier, then is the last firing; when LINSTOR cannot be
// read it keeps that value, marked stale.
func TestLastBackupMetrics(t *testing.T) {
	f := newBackupFixture(t)
	labels := []string{"env=prod", "tier=archive", "remote=offsite"}
	m := f.scrape(t)
	m.want(t, 24*3600, "lingate_tier_backup_interval_seconds", labels...)
	if n := m.count("lingate_tier_last_backup_timestamp_seconds"); n != 0 {
		t.Fatalf("%d last-backup series before any backup", n)
	}
	if err := f.gl.ResourceGroups.Spawn(context.Background(), "archive", client.ResourceGroupSpawn{ResourceDefinitionName: "reports-db", VolumeSizes: []int64{1024}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour) // Wednesday 05:00: an incremental needs a full first
	if n := f.scrape(t).count("lingate_tier_last_backup_timestamp_seconds"); n != 0 {
		t.Fatalf("%d last-backup series without a full backup", n)
	}
	f.clock.Add(5 * 24 * time.Hour) // Monday 7 December 05:00
	m = f.scrape(t)
	last := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	m.want(t, float64(last.Unix()), "lingate_tier_last_backup_timestamp_seconds", labels...)
	m.want(t, 0, "lingate_read_stale", "env=prod", "system=linstor")

	f.ctrl.Close()
	m = f.scrape(t)
	m.want(t, float64(last.Unix()), "lingate_tier_last_backup_timestamp_seconds", labels...)
	m.want(t, 1, "lingate_read_stale", "env=prod", "system=linstor")
}

// TestBackupAlert evaluates the compiled LingateTierBackupStale rule,
// parsed by Prometheus's parsers, on what serve exposes: 36 hours after
// the last backup of a daily schedule (backups stopped) it holds for no
// tier; 49 hours after, more than twice the interval, it holds for archive. The never-backed-up rule selects archive before any
// backup and nothing after. A small evaluator of the rule's operators
// stands in for Prometheus's engine (see TestAlertTurnsRedThenGreen).
func TestBackupAlert(t *testing.T) {
	f := newBackupFixture(t)
	rules := backupRuleExprs(t, observability.Rules("prod", observability.TierBackups(f.cfg, "prod")...))
	never := rules["LingateTierNeverBackedUp"]
	if got := evalRule(t, never, f.scrape(t), time.Time{}); len(got) != 1 || got[0] != "archive" {
		t.Errorf("before any backup LingateTierNeverBackedUp holds for %v, want archive", got)
	}
	if err := f.gl.ResourceGroups.Spawn(context.Background(), "archive", client.ResourceGroupSpawn{ResourceDefinitionName: "reports-db", VolumeSizes: []int64{1024}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(6 * 24 * time.Hour) // Monday 7 December 05:00
	m := f.scrape(t)
	if got := evalRule(t, never, m, time.Time{}); len(got) != 0 {
		t.Errorf("after a backup LingateTierNeverBackedUp holds for %v", got)
	}
	last := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	stale := rules["LingateTierBackupStale"]
	if got := evalRule(t, stale, m, last.Add(36*time.Hour)); len(got) != 0 {
		t.Errorf("36 hours after the last backup LingateTierBackupStale holds for %v", got)
	}
	if got := evalRule(t, stale, m, last.Add(49*time.Hour)); len(got) != 1 || got[0] != "archive" {
		t.Errorf("49 hours after the last backup LingateTierBackupStale holds for %v, want archive", got)
	}
}

// backupRuleExprs parses a rule file with Prometheus's parsers and returns
// the expressions of the backup rules by alert name.
func backupRuleExprs(t *testing.T, data []byte) map[string]parser.Expr {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.Parse(data, false, model.UTF8Validation, p, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	out := map[string]parser.Expr{}
	for _, r := range groups.Groups[0].Rules {
		if r.Alert == "LingateTierBackupStale" || r.Alert == "LingateTierNeverBackedUp" {
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				t.Fatal(err)
			}
			out[r.Alert] = expr
		}
	}
	if len(out) != 2 {
		t.Fatalf("backup rules %v, want LingateTierBackupStale and LingateTierNeverBackedUp", out)
	}
	return out
}

// vector is an instant vector keyed by the series' env, tier and remote.
type vector map[string]float64

// evalRule evaluates expr over the scraped series at now and returns the
// tiers it holds for, sorted.
func evalRule(t *testing.T, expr parser.Expr, m metrics, now time.Time) []string {
	t.Helper()
	v, err := eval(expr, m, now)
	if err != nil {
		t.Fatal(err)
	}
	vec, ok := v.(vector)
	if !ok {
		t.Fatalf("%s is not a vector", expr)
	}
	var tiers []string
	for k := range vec {
		tiers = append(tiers, strings.Split(k, "/")[1])
	}
	return tiers
}

// eval evaluates the operators the backup rules use: number literals,
// time(), selectors, parentheses, + - * and > between scalars and vectors
// (filtering), and unless, matching on env, tier and remote.
func eval(e parser.Expr, m metrics, now time.Time) (any, error) {
	switch n := e.(type) {
	case *parser.NumberLiteral:
		return n.Val, nil
	case *parser.ParenExpr:
		return eval(n.Expr, m, now)
	case *parser.Call:
		if n.Func.Name != "time" {
			return nil, fmt.Errorf("function %s", n.Func.Name)
		}
		return float64(now.Unix()), nil
	case *parser.VectorSelector:
		return selectVector(m, n), nil
	case *parser.BinaryExpr:
		l, err := eval(n.LHS, m, now)
		if err != nil {
			return nil, err
		}
		r, err := eval(n.RHS, m, now)
		if err != nil {
			return nil, err
		}
		return binary(n.Op, l, r)
	}
	return nil, fmt.Errorf("unsupported %T", e)
}

func selectVector(m metrics, vs *parser.VectorSelector) vector {
	out := vector{}
	eachMatch(m, vs, func(labels map[string]string, v float64) {
		out[labels["env"]+"/"+labels["tier"]+"/"+labels["remote"]] = v
	})
	return out
}

func binary(op parser.ItemType, l, r any) (any, error) {
	apply := func(a, b float64) (float64, bool) {
		switch op {
		case parser.ADD:
			return a + b, true
		case parser.SUB:
			return a - b, true
		case parser.MUL:
			return a * b, true
		case parser.GTR:
			return a, a > b
		}
		return 0, false
	}
	lv, lvec := l.(vector)
	rv, rvec := r.(vector)
	switch {
	case op == parser.LUNLESS && lvec && rvec:
		out := vector{}
		for k, v := range lv {
			if _, ok := rv[k]; !ok {
				out[k] = v
			}
		}
		return out, nil
	case lvec && rvec:
		out := vector{}
		for k, a := range lv {
			if b, ok := rv[k]; ok {
				if v, keep := apply(a, b); keep {
					out[k] = v
				}
			}
		}
		return out, nil
	case lvec:
		return mapVector(lv, func(a float64) (float64, bool) { return apply(a, r.(float64)) }), nil
	case rvec:
		return mapVector(rv, func(b float64) (float64, bool) { return apply(l.(float64), b) }), nil
	}
	v, _ := apply(l.(float64), r.(float64))
	return v, nil
}

func mapVector(v vector, f func(float64) (float64, bool)) vector {
	out := vector{}
	for k, x := range v {
		if y, keep := f(x); keep {
			out[k] = y
		}
	}
	return out
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
