package access

import (
	"fmt"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Backup is where copies of a tier's data go: the remote its schedule
// ships to and the schedule's cron expressions and retention. A copy is
// where data lives too, so the matrix shows it next to the tier.
type Backup struct {
	Remote string `json:"remote"`
	Kind   string `json:"kind"` // s3 or linstor
	// Bucket and Region name an S3 remote; URL is a LINSTOR remote's
	// controller.
	Bucket      string `json:"bucket,omitempty"`
	Region      string `json:"region,omitempty"`
	URL         string `json:"url,omitempty"`
	Full        string `json:"full"`
	Incremental string `json:"incremental,omitempty"`
	// KeepLocal and KeepRemote are 0 when left to LINSTOR.
	KeepLocal  int `json:"keepLocal"`
	KeepRemote int `json:"keepRemote"`
}

// backupOf is the backup of tier in env, or nil when the tier has none.
func backupOf(cfg *schema.Config, env *schema.Environment, tier string) *Backup {
	t, ok := cfg.Tiers[tier]
	if !ok || t.Backup == nil {
		return nil
	}
	b := &Backup{Remote: t.Backup.Remote, Full: t.Backup.Full, Incremental: t.Backup.Incremental,
		KeepLocal: t.Backup.KeepLocal, KeepRemote: t.Backup.KeepRemote}
	r := env.Linstor.Remotes[t.Backup.Remote]
	switch {
	case r == nil:
	case r.S3 != nil:
		b.Kind, b.Bucket, b.Region = r.Kind(), r.S3.Bucket, r.S3.Region
	case r.Linstor != nil:
		b.Kind, b.URL = r.Kind(), r.Linstor.URL
	}
	return b
}

// Destination is where the backup goes, for a table cell:
// "offsite: s3 bucket acme in eu-west-1" or "dr: linstor https://dr:3371";
// "" without a backup.
func (b *Backup) Destination() string {
	switch {
	case b == nil:
		return ""
	case b.Kind == "s3":
		return fmt.Sprintf("%s: s3 bucket %s in %s", b.Remote, b.Bucket, b.Region)
	}
	return strings.TrimSpace(fmt.Sprintf("%s: %s %s", b.Remote, b.Kind, b.URL))
}

// Schedule is the backup's cron expressions, for a table cell:
// "full 0 2 * * 0; incremental 0 2 * * 1-6"; "" without a backup.
func (b *Backup) Schedule() string {
	switch {
	case b == nil:
		return ""
	case b.Incremental == "":
		return "full " + b.Full
	}
	return "full " + b.Full + "; incremental " + b.Incremental
}

// Retention is how many backups are kept, for a table cell:
// "local 2, remote 8" ("default" for a count left to LINSTOR); ""
// without a backup.
func (b *Backup) Retention() string {
	if b == nil {
		return ""
	}
	count := func(n int) string {
		if n == 0 {
			return "default"
		}
		return fmt.Sprint(n)
	}
	return "local " + count(b.KeepLocal) + ", remote " + count(b.KeepRemote)
}
