package observability

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/lingate/lingate/schema"
)

// backupPolicies back tier archive up daily (weekly full, daily
// incrementals) and tier fast weekly, from prod; tier plain has no backup.
const backupPolicies = `package policies

environments: prod: {
	apigee: {organization: "acme", environment: "prod"}
	linstor: {
		controllers: ["https://linstor:3371"]
		remotes: offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-backups", region: "eu-west-1", accessKeyEnv: "OFFSITE_ACCESS_KEY", secretKeyEnv: "OFFSITE_SECRET_KEY"}
	}
}
tiers: {
	archive: {description: "HDD", replicas: 2, storagePools: ["hdd"]
		backup: {remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * * 1-6"}}
	fast: {description: "NVMe", replicas: 2, storagePools: ["nvme"]
		backup: {remote: "offsite", full: "30 1 * * 6"}}
	plain: {description: "none", replicas: 1, storagePools: ["nvme"]}
}
products: {
	a: {displayName: "A", basePath: "/a", environments: ["prod"], target: url: "https://a.internal", auth: apiKey: {}, tier: "archive"}
	f: {displayName: "F", basePath: "/f", environments: ["prod"], target: url: "https://f.internal", auth: apiKey: {}, tier: "fast"}
	p: {displayName: "P", basePath: "/p", environments: ["prod"], target: url: "https://p.internal", auth: apiKey: {}, tier: "plain"}
}
`

// TestBackupRules loads the rules of an environment with backups with
// Prometheus's rule parser: one stale rule comparing the last backup with
// twice the interval serve exposes, and per tier with a backup a
// never-backed-up rule waiting twice the schedule's interval.
func TestBackupRules(t *testing.T) {
	cfg, err := schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(backupPolicies)}}, "policies")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(cfg, "prod")
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(fileData(t, files, RulesPath), false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	never := map[string]time.Duration{}
	stale := 0
	for _, r := range groups.Groups[0].Rules {
		switch r.Alert {
		case "LingateTierBackupStale":
			stale++
			if !strings.Contains(r.Expr, "> on (env, tier, remote) (2 * lingate_tier_backup_interval_seconds{") {
				t.Errorf("stale rule does not compare with twice the interval: %s", r.Expr)
			}
		case "LingateTierNeverBackedUp":
			for _, tier := range []string{"archive", "fast", "plain"} {
				if strings.Contains(r.Expr, `tier="`+tier+`"`) {
					never[tier] = time.Duration(r.For)
				}
			}
		}
	}
	want := map[string]time.Duration{"archive": 48 * time.Hour, "fast": 14 * 24 * time.Hour}
	if stale != 1 || len(never) != len(want) || never["archive"] != want["archive"] || never["fast"] != want["fast"] {
		t.Errorf("stale rules %d, never-backed-up rules waiting %v; want 1 and %v", stale, never, want)
	}
}

// TestNoBackupNoBackupRules: an environment without backups has no
// backup rule.
func TestNoBackupNoBackupRules(t *testing.T) {
	if r := string(Rules("sandbox")); strings.Contains(r, "backup") {
		t.Errorf("rules without backups mention backups:\n%s", r)
	}
}
