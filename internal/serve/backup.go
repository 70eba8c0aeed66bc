package serve

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lingate/lingate/apply/linstor"
	cl "github.com/lingate/lingate/compile/linstor"
	"github.com/lingate/lingate/compile/observability"
	"github.com/lingate/lingate/schema"
)

// The backup metrics.
var (
	descLastBackup = prometheus.NewDesc("lingate_tier_last_backup_timestamp_seconds",
		"When the newest successful backup of a resource of the tier finished on the remote (Unix time); absent while none has.",
		[]string{"env", "tier", "remote"}, nil)
	descBackupInterval = prometheus.NewDesc("lingate_tier_backup_interval_seconds",
		"The longest time between two runs of the tier's backup schedule (full and incremental crons together), from the policies.",
		[]string{"env", "tier", "remote"}, nil)
)

// tierBackup is a tier's backup in one environment: the remote by the
// policies' name and by LINSTOR's, and the schedule's interval.
type tierBackup struct {
	Tier, Group, Remote, LinstorRemote string
	Interval                           time.Duration
}

// backupReader is what apply/linstor's Driver offers serve for backups.
type backupReader interface {
	ReadLastBackups(ctx context.Context, watch []linstor.BackupWatch) ([]linstor.LastBackup, error)
}

// backupsOf are the backups of env's tiers, in the tiers' order, with the
// intervals the alerting rules use.
func backupsOf(cfg *schema.Config, env string) []tierBackup {
	e := cfg.Environments[env]
	var out []tierBackup
	for _, tb := range observability.TierBackups(cfg, env) {
		remote := cfg.Tiers[tb.Tier].Backup.Remote
		out = append(out, tierBackup{Tier: tb.Tier, Group: cl.ResourceGroupName(cfg, env, tb.Tier), Remote: remote,
			LinstorRemote: cl.RemoteName(e, remote), Interval: tb.Interval})
	}
	return out
}

// readBackups reads the last backups of the tiers that have one.
func readBackups(ctx context.Context, r backupReader, bs []tierBackup) ([]linstor.LastBackup, error) {
	if len(bs) == 0 {
		return nil, nil
	}
	watch := make([]linstor.BackupWatch, len(bs))
	for i, b := range bs {
		watch[i] = linstor.BackupWatch{Group: b.Group, Remote: b.LinstorRemote}
	}
	return r.ReadLastBackups(ctx, watch)
}

// emitBackupIntervals sends each tier's schedule interval, from the policies.
func emitBackupIntervals(ch chan<- prometheus.Metric, env string, j joins) {
	for _, b := range j.Backups {
		gauge(ch, descBackupInterval, b.Interval.Seconds(), env, b.Tier, b.Remote)
	}
}

// emitLastBackups sends each tier's last successful backup, when it has one.
func emitLastBackups(ch chan<- prometheus.Metric, env string, j joins, st *systemState) {
	for _, b := range j.Backups {
		for _, l := range st.Backups {
			if l.Group == b.Group && l.Remote == b.LinstorRemote && !l.Finished.IsZero() {
				gauge(ch, descLastBackup, float64(l.Finished.UnixNano())/1e9, env, b.Tier, b.Remote)
			}
		}
	}
}
