package linstor

import (
	"context"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"
)

// TestReadLastBackups applies the backup policies, spawns a resource from
// each tier's group and moves the controller's clock: before any schedule
// fires there is no backup; after, each group's newest successful backup
// is the last firing of its schedule; a remote not on the controller
// reads as not found.
func TestReadLastBackups(t *testing.T) {
	r := newBackupRig(t)
	want, err := r.desired(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	r.execute(t, r.plan(t, want), want)
	ctx := context.Background()
	for rg, rd := range map[string]string{"archive": "reports-db", "fast": "orders-db"} {
		if err := r.c.gl.ResourceGroups.Spawn(ctx, rg, client.ResourceGroupSpawn{ResourceDefinitionName: rd, VolumeSizes: []int64{1024}}); err != nil {
			t.Fatal(err)
		}
	}
	watch := []BackupWatch{{Group: "fast", Remote: "dr"}, {Group: "archive", Remote: "offsite"}, {Group: "archive", Remote: "elsewhere"}}
	read := func() []LastBackup {
		t.Helper()
		got, err := r.d.ReadLastBackups(ctx, watch)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := read() // 05:00 on Tuesday 1 December: nothing fired yet
	if len(got) != 3 || !got[0].Finished.IsZero() || !got[1].Finished.IsZero() || !got[2].Finished.IsZero() {
		t.Fatalf("before any firing: %+v", got)
	}
	if got[0].Remote != "elsewhere" || got[0].RemoteFound || !got[1].RemoteFound {
		t.Fatalf("remotes found: %+v", got)
	}
	r.c.clock.Add(7*24*time.Hour - 2*time.Hour) // Tuesday 8 December 03:00
	got = read()
	last := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC) // the second incremental after Sunday's full
	if got[1].Group != "archive" || !got[1].Finished.Equal(last) {
		t.Errorf("archive on offsite: %+v, want finished %v", got[1], last)
	}
	if half := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC); got[2].Group != "fast" || !got[2].Finished.Equal(half) {
		t.Errorf("fast on dr: %+v, want finished %v", got[2], half)
	}
	if !got[0].Finished.IsZero() {
		t.Errorf("a remote that does not exist has a backup: %+v", got[0])
	}
}
