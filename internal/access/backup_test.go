package access_test

import (
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/access"
)

// backupEnv declares the remotes of prod; backupTier backs tier cold up.
const backupEnv = `package policies
environments: prod: linstor: remotes: {
	offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-backups", region: "eu-west-1", accessKeyEnv: "OFFSITE_ACCESS_KEY", secretKeyEnv: "OFFSITE_SECRET_KEY"}
	dr: linstor: {url: "https://linstor.dr:3371", passphraseEnv: "DR_PASSPHRASE"}
}
roles: reader: {members: claims: groups: ["support"], grants: pay: {scopes: ["read"], methods: ["GET"]}, tier: "cold"}
`

func backupTier(b string) string {
	return "package policies\ntiers: cold: backup: " + b + "\n"
}

// TestBackupColumns: a row on a tier with a backup says where copies go,
// when and how many are kept, never a secret's variable; a plan's access
// changes say when the destination or retention changes.
func TestBackupColumns(t *testing.T) {
	s3 := access.Compute(loadCUE(t, base, backupEnv, backupTier(`{remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * * 1-6", keepLocal: 2, keepRemote: 8}`)), nil)
	dr := access.Compute(loadCUE(t, base, backupEnv, backupTier(`{remote: "dr", full: "0 */6 * * *", keepRemote: 4}`)), nil)
	none := access.Compute(loadCUE(t, base, backupEnv), nil)
	if len(s3.Rows) != 1 || len(dr.Rows) != 1 || len(none.Rows) != 1 {
		t.Fatalf("rows %d %d %d, want 1 each", len(s3.Rows), len(dr.Rows), len(none.Rows))
	}
	b := s3.Rows[0].Backup
	cells := []string{b.Destination(), b.Schedule(), b.Retention()}
	want := []string{"offsite: s3 bucket acme-backups in eu-west-1", "full 0 2 * * 0; incremental 0 2 * * 1-6", "local 2, remote 8"}
	if strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("s3 backup %q, want %q", cells, want)
	}
	b = dr.Rows[0].Backup
	cells = []string{b.Destination(), b.Schedule(), b.Retention()}
	want = []string{"dr: linstor https://linstor.dr:3371", "full 0 */6 * * *", "local default, remote 4"}
	if strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("linstor backup %q, want %q", cells, want)
	}
	if b := none.Rows[0].Backup; b != nil || b.Destination()+b.Schedule()+b.Retention() != "" {
		t.Errorf("a tier without backup has %+v", b)
	}
	var texts []string
	for _, c := range access.Diff(s3, dr) {
		texts = append(texts, c.Text)
	}
	got := strings.Join(texts, "\n")
	for _, part := range []string{"backup to offsite: s3 bucket acme-backups in eu-west-1 -> dr: linstor https://linstor.dr:3371",
		"backup retention local 2, remote 8 -> local default, remote 4"} {
		if !strings.Contains(got, part) {
			t.Errorf("access changes %q lack %q", got, part)
		}
	}
	if strings.Contains(got, "_KEY") || strings.Contains(got, "PASSPHRASE") {
		t.Errorf("access changes name a secret's variable: %s", got)
	}
}
