// Package observability writes, per environment, the Prometheus alerting
// rules and the Grafana dashboard that go with `lingate serve`'s metrics:
// prometheus/rules.yml and grafana/dashboard.json. Pure: no I/O.
package observability

import (
	"fmt"
	"strings"
	"time"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// File paths, relative to the environment's output folder.
const (
	RulesPath     = "prometheus/rules.yml"
	DashboardPath = "grafana/dashboard.json"
)

// Thresholds of the alerting rules.
const (
	DegradedFor   = 10 * time.Minute // a tier degraded this long alerts (warning)
	FailedFor     = 2 * time.Minute  // a tier failed this long alerts (critical)
	DriftFor      = 30 * time.Minute // drift this old alerts
	NotReadyFor   = 10 * time.Minute // a deployment not READY this long alerts
	PoolFullShare = 0.10             // a pool with less free space alerts
	PoolFullFor   = 15 * time.Minute
	ReadFailFor   = 10 * time.Minute // lingate unable to read this long alerts
)

// Files returns the monitoring files of env.
func Files(cfg *schema.Config, env string) ([]artifact.File, error) {
	e, ok := cfg.Environments[env]
	if !ok || e == nil {
		return nil, fmt.Errorf("observability: environment %q is not declared", env)
	}
	dash, err := dashboard(e)
	if err != nil {
		return nil, fmt.Errorf("observability: environment %s: dashboard: %w", env, err)
	}
	return []artifact.File{
		{Path: DashboardPath, Data: dash},
		{Path: RulesPath, Data: Rules(env, TierBackups(cfg, env)...)},
	}, nil
}

// rule is one alerting rule.
type rule struct {
	alert, expr, severity, summary, description string
	for_                                        time.Duration
}

// Rules is the Prometheus rule file of env (RulesPath), with the backup
// rules of its tiers that have one, YAML written in a fixed order so that
// it is byte-for-byte deterministic.
func Rules(env string, backups ...TierBackup) []byte {
	sel := fmt.Sprintf(`env=%q`, env)
	rs := []rule{
		{alert: "LingateTierDegraded", for_: DegradedFor, severity: "warning",
			expr:        fmt.Sprintf(`sum by (env, tier, resource_group) (lingate_tier_resources{%s,health="degraded"}) > 0`, sel),
			summary:     "Tier {{ $labels.tier }} has degraded resources in {{ $labels.env }}",
			description: "{{ $value }} resource(s) of resource group {{ $labels.resource_group }} have fewer UpToDate replicas than the place count, or a replica on an offline node."},
		{alert: "LingateTierFailed", for_: FailedFor, severity: "critical",
			expr:        fmt.Sprintf(`sum by (env, tier, resource_group) (lingate_tier_resources{%s,health="failed"}) > 0`, sel),
			summary:     "Tier {{ $labels.tier }} has failed resources in {{ $labels.env }}",
			description: "{{ $value }} resource(s) of resource group {{ $labels.resource_group }} have no UpToDate replica."},
		{alert: "LingateDrift", for_: DriftFor, severity: "warning",
			expr:        fmt.Sprintf(`sum by (env, system, kind) (lingate_drift_objects{%s}) > 0`, sel),
			summary:     "Live {{ $labels.system }} {{ $labels.kind }} objects differ from the policies in {{ $labels.env }}",
			description: "{{ $value }} object(s) differ; lingate_drift names them, lingate plan --env {{ $labels.env }} shows how."},
		{alert: "LingateDeploymentNotReady", for_: NotReadyFor, severity: "warning",
			expr:        fmt.Sprintf(`lingate_proxy_deployment_state{%s,state!="READY"} == 1`, sel),
			summary:     "Proxy {{ $labels.proxy }} is {{ $labels.state }} in {{ $labels.env }}",
			description: "The proxy's deployment has not been READY for a while."},
		{alert: "LingateStoragePoolNearlyFull", for_: PoolFullFor, severity: "warning",
			expr:        fmt.Sprintf(`lingate_storage_pool_free_bytes{%s} / lingate_storage_pool_total_bytes{%s} < %g`, sel, sel, PoolFullShare),
			summary:     "Storage pool {{ $labels.pool }} on {{ $labels.node }} is nearly full in {{ $labels.env }}",
			description: "Less than 10% of the pool of tier {{ $labels.tier }} is free."},
		{alert: "LingateCannotRead", for_: ReadFailFor, severity: "critical",
			expr:        fmt.Sprintf(`lingate_read_up{%s} == 0`, sel),
			summary:     "lingate cannot read {{ $labels.system }} in {{ $labels.env }}",
			description: "Reads fail (see lingate_read_errors_total); tier health and drift show the last values known."},
		{alert: "LingateAbsent", for_: ReadFailFor, severity: "critical",
			expr:        fmt.Sprintf(`absent(lingate_read_up{%s})`, sel),
			summary:     "lingate serve exposes nothing for " + env,
			description: "No lingate_read_up series: lingate serve is down or does not read this environment."},
	}
	rs = append(rs, backupRules(sel, backups)...)
	var b strings.Builder
	b.WriteString("# Written by lingate compile: alerts on lingate serve's metrics.\n")
	b.WriteString("groups:\n")
	fmt.Fprintf(&b, "  - name: lingate-%s\n    rules:\n", env)
	for _, r := range rs {
		fmt.Fprintf(&b, "      - alert: %s\n", r.alert)
		fmt.Fprintf(&b, "        expr: %s\n", quote(r.expr))
		fmt.Fprintf(&b, "        for: %s\n", promDuration(r.for_))
		fmt.Fprintf(&b, "        labels:\n          severity: %s\n", r.severity)
		fmt.Fprintf(&b, "        annotations:\n          summary: %s\n          description: %s\n", quote(r.summary), quote(r.description))
	}
	return []byte(b.String())
}

// quote writes s as a YAML single-quoted scalar.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// promDuration writes d as Prometheus does (10m, 2m, 1h).
func promDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
