package linstor

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/internal/emulator"
)

// TestRemotesKeepNoSecrets creates, lists, modifies and deletes remotes with
// golinstor: GET never returns a key, the emulator keeps digests only.
func TestRemotesKeepNoSecrets(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	err := h.c.Remote.CreateS3(ctx(), client.S3Remote{RemoteName: "offsite", Endpoint: "https://s3.example.com", Bucket: "b", Region: "eu",
		AccessKey: "planted-access", SecretKey: "planted-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.c.Remote.CreateLinstor(ctx(), client.LinstorRemote{RemoteName: "dr", Url: "https://dr:3371"}); err != nil {
		t.Fatal(err)
	}
	h.do("POST", "/v1/remotes/s3", `{"remote_name": "OFFSITE", "endpoint": "e", "bucket": "b", "region": "r"}`).expect(t, http.StatusInternalServerError, failExistsRemote|maskRemote|maskCrt)
	list := h.do("GET", "/v1/remotes", "")
	if strings.Contains(string(list.body), "planted") || !strings.Contains(string(list.body), `"linstor_remotes":[{"remote_name":"dr"`) {
		t.Fatalf("GET /v1/remotes = %s", list.body)
	}
	if got := h.srv.RemoteSecretDigests("offsite")["secret_key"]; got != SecretDigest("planted-secret") {
		t.Fatalf("secret digest %q", got)
	}
	if err := h.c.Remote.ModifyS3(ctx(), "offsite", client.S3Remote{SecretKey: "rotated"}); err != nil {
		t.Fatal(err)
	}
	d := h.srv.RemoteSecretDigests("offsite")
	if d["secret_key"] != SecretDigest("rotated") || d["access_key"] != SecretDigest("planted-access") {
		t.Fatalf("digests after rotation %v", d)
	}
	if err := h.c.Remote.Delete(ctx(), "dr"); err != nil {
		t.Fatal(err)
	}
	all, err := h.c.Remote.GetAll(ctx())
	if err != nil || len(all.LinstorRemotes) != 0 || len(all.S3Remotes) != 1 || all.S3Remotes[0].SecretKey != "" {
		t.Fatalf("remotes %+v, %v", all, err)
	}
}

// TestScheduleShipsBackups enables a schedule on a group with a resource and
// moves the clock: full and incremental backups appear at their cron
// times, only keep_remote full chains stay, and the remote and schedule
// cannot be deleted while enabled.
func TestScheduleShipsBackups(t *testing.T) {
	clk := emulator.NewClock(time.Date(2026, 12, 1, 6, 15, 0, 0, time.UTC)) // a Tuesday
	h := newHarness(t, Config{Pools: []string{"nvme"}, Now: clk.Now})
	rs := h.c.ResourceGroups
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rs.Create(ctx(), client.ResourceGroup{Name: "archive", SelectFilter: client.AutoSelectFilter{PlaceCount: 2, StoragePool: "nvme"}}))
	must(rs.CreateVolumeGroup(ctx(), "archive", client.VolumeGroup{}))
	must(rs.Spawn(ctx(), "archive", client.ResourceGroupSpawn{ResourceDefinitionName: "db", VolumeSizes: []int64{1024}}))
	must(h.c.Remote.CreateS3(ctx(), client.S3Remote{RemoteName: "offsite", Endpoint: "https://s3", Bucket: "b", Region: "r"}))
	h.do("POST", "/v1/schedules", `{"schedule_name": "nightly", "full_cron": "0 2 * * 0", "inc_cron": "0 2 * * 25"}`).expect(t, http.StatusInternalServerError, failInvldTimeParam|maskSchedule|maskCrt)
	h.do("POST", "/v1/schedules", `{"schedule_name": "nightly", "full_cron": "0 2 * * 0", "inc_cron": "0 2 * * 1-6", "keep_remote": 2}`).expect(t, http.StatusOK, 0)
	h.do("PUT", "/v1/remotes/offsite/backups/schedule/nightly/enable", `{"grp_name": "archive"}`).expect(t, http.StatusOK, 0)
	rg, _ := rs.Get(ctx(), "archive")
	if rg.Props["Schedule/offsite/nightly/Enabled"] != "true" {
		t.Fatalf("props %v", rg.Props)
	}
	h.do("DELETE", "/v1/remotes?remote_name=offsite", "").expect(t, http.StatusInternalServerError, failInUse|maskRemote|maskCrt)
	h.do("DELETE", "/v1/schedules/nightly", "").expect(t, http.StatusInternalServerError, failInUse|maskSchedule|maskCrt)

	clk.Add(27 * 24 * time.Hour) // to Monday 28 December 06:15: four Sundays
	list, err := h.c.Backup.GetAll(ctx(), "offsite", "", "")
	must(err)
	var fulls, incs []string
	for id, b := range list.Linstor {
		if b.BasedOnId == "" {
			fulls = append(fulls, id)
		} else {
			incs = append(incs, id)
		}
	}
	slices.Sort(fulls)
	want := []string{"db_back_20261220_020000", "db_back_20261227_020000"}
	if !slices.Equal(fulls, want) || len(incs) != 7 { // 21..26 and 28 December
		t.Fatalf("full %v (want %v), %d incremental: %v", fulls, want, len(incs), incs)
	}
	if b := list.Linstor["db_back_20261228_020000"]; b.BasedOnId != "db_back_20261227_020000" {
		t.Errorf("Monday's incremental is based on %q", b.BasedOnId)
	}
	h.do("DELETE", "/v1/remotes/offsite/backups/schedule/nightly/delete?rsc_grp_name=archive", "").expect(t, http.StatusOK, 0)
	rg, _ = rs.Get(ctx(), "archive")
	if len(enablementsOf(&resourceGroup{Props: rg.Props})) != 0 {
		t.Fatalf("props after delete %v", rg.Props)
	}
	clk.Add(7 * 24 * time.Hour)
	if list, _ = h.c.Backup.GetAll(ctx(), "offsite", "", ""); len(list.Linstor) != 0 {
		t.Errorf("a deleted enablement still lists %d backups", len(list.Linstor))
	}
	h.do("DELETE", "/v1/schedules/nightly", "").expect(t, http.StatusOK, 0)
	h.do("DELETE", "/v1/remotes?remote_name=offsite", "").expect(t, http.StatusOK, 0)
}
