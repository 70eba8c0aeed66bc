package linstor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/LINBIT/golinstor/client"
)

// BackupWatch names a resource group whose backups to a remote serve
// follows: the LINSTOR names of both.
type BackupWatch struct {
	Group, Remote string
}

// LastBackup is the newest successful backup, on Remote, of a resource
// spawned from Group.
type LastBackup struct {
	Group, Remote string
	// RemoteFound is false when the controller has no such remote (not yet
	// applied): nothing can have been shipped.
	RemoteFound bool
	// Finished is when that backup finished; zero when none succeeded.
	Finished time.Time
}

// ReadLastBackups lists the remotes, the resource definitions (to tie each
// backup's origin resource to its resource group) and the backups on each
// remote watched: read-only, for `lingate serve`. Failed and unfinished
// backups do not count.
func (d *Driver) ReadLastBackups(ctx context.Context, watch []BackupWatch) ([]LastBackup, error) {
	subject := "linstor environment " + d.env + ": backups"
	remotes, err := d.c.Remote.GetAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: list remotes: %w", subject, err)
	}
	rds, err := d.c.ResourceDefinitions.GetAll(ctx, client.RDGetAllRequest{})
	if err != nil {
		return nil, fmt.Errorf("%s: list resource definitions: %w", subject, err)
	}
	groupOf := map[string]string{}
	for _, rd := range rds {
		groupOf[strings.ToUpper(rd.Name)] = strings.ToUpper(rd.ResourceGroupName)
	}
	live := map[string]bool{}
	for _, r := range remotes.S3Remotes {
		live[strings.ToUpper(r.RemoteName)] = true
	}
	for _, r := range remotes.LinstorRemotes {
		live[strings.ToUpper(r.RemoteName)] = true
	}
	newest := map[BackupWatch]time.Time{} // upper-cased names
	listed := map[string]bool{}
	for _, w := range watch {
		remote := strings.ToUpper(w.Remote)
		if !live[remote] || listed[remote] {
			continue
		}
		listed[remote] = true
		list, err := d.c.Backup.GetAll(ctx, w.Remote, "", "")
		if err != nil {
			return nil, fmt.Errorf("%s: list backups on remote %s: %w", subject, w.Remote, err)
		}
		for _, b := range list.Linstor {
			if !b.Success || b.FinishedTimestamp == nil {
				continue
			}
			k := BackupWatch{Group: groupOf[strings.ToUpper(b.OriginRsc)], Remote: remote}
			if t := b.FinishedTimestamp.Time; t.After(newest[k]) {
				newest[k] = t
			}
		}
	}
	out := make([]LastBackup, 0, len(watch))
	for _, w := range watch {
		k := BackupWatch{Group: strings.ToUpper(w.Group), Remote: strings.ToUpper(w.Remote)}
		out = append(out, LastBackup{Group: w.Group, Remote: w.Remote, RemoteFound: live[k.Remote], Finished: newest[k].UTC()})
	}
	slices.SortStableFunc(out, func(a, b LastBackup) int {
		return strings.Compare(a.Group+"\x00"+a.Remote, b.Group+"\x00"+b.Remote)
	})
	return out, nil
}
