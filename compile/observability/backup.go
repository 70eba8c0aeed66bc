package observability

import (
	"fmt"
	"time"

	"github.com/lingate/lingate/internal/cron"
	"github.com/lingate/lingate/schema"
)

// BackupStaleFor is how long a tier's last backup must stay older than
// twice its schedule's interval before LingateTierBackupStale fires.
const BackupStaleFor = 10 * time.Minute

// TierBackup is a tier with a backup in an environment and its schedule's
// interval, for the backup rules.
type TierBackup struct {
	Tier     string
	Interval time.Duration
}

// TierBackups are the tiers of env that have a backup, in name order.
func TierBackups(cfg *schema.Config, env string) []TierBackup {
	var out []TierBackup
	for _, t := range cfg.TiersIn(env) {
		if t.Backup != nil {
			out = append(out, TierBackup{Tier: t.Name, Interval: ScheduleInterval(t.Backup)})
		}
	}
	return out
}

// ScheduleInterval is the longest time between two runs of a backup's
// schedule, its full and incremental crons taken together; 0 when a cron
// does not parse (the policies' rules refuse it first).
func ScheduleInterval(b *schema.Backup) time.Duration {
	var exprs []cron.Expr
	for _, s := range []string{b.Full, b.Incremental} {
		if s == "" {
			continue
		}
		e, err := cron.Parse(s)
		if err != nil {
			return 0
		}
		exprs = append(exprs, e)
	}
	return cron.Interval(exprs...)
}

// backupRules alert when a tier's last backup is older than twice its
// schedule's interval (both from lingate serve), and when a tier has had
// no successful backup for twice its interval.
func backupRules(sel string, backups []TierBackup) []rule {
	if len(backups) == 0 {
		return nil
	}
	rs := []rule{{alert: "LingateTierBackupStale", for_: BackupStaleFor, severity: "critical",
		expr:        fmt.Sprintf(`time() - lingate_tier_last_backup_timestamp_seconds{%s} > on (env, tier, remote) (2 * lingate_tier_backup_interval_seconds{%s})`, sel, sel),
		summary:     "Tier {{ $labels.tier }} has not been backed up to {{ $labels.remote }} for twice its schedule in {{ $labels.env }}",
		description: "The newest successful backup finished {{ $value | humanizeDuration }} ago, more than twice the longest gap of the tier's backup schedule."}}
	for _, b := range backups {
		if b.Interval <= 0 {
			continue
		}
		tsel := fmt.Sprintf(`%s,tier=%q`, sel, b.Tier)
		rs = append(rs, rule{alert: "LingateTierNeverBackedUp", for_: roundUp(2 * b.Interval), severity: "critical",
			expr:        fmt.Sprintf(`lingate_tier_backup_interval_seconds{%s} unless on (env, tier, remote) lingate_tier_last_backup_timestamp_seconds{%s}`, tsel, tsel),
			summary:     "Tier {{ $labels.tier }} has no successful backup on {{ $labels.remote }} in {{ $labels.env }}",
			description: "For twice the tier's backup schedule, LINSTOR has listed no successful backup of its resources on the remote."})
	}
	return rs
}

// roundUp rounds d up to a whole minute.
func roundUp(d time.Duration) time.Duration {
	return (d + time.Minute - 1).Truncate(time.Minute)
}
