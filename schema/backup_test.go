package schema

import (
	"strings"
	"testing"
)

// remotes declares the remote offsite in both environments of base.
const remotes = `environments: sandbox: linstor: remotes: offsite: s3: {endpoint: "https://s3.example.com", bucket: "backups", region: "eu-west-1"}
environments: prod: linstor: remotes: offsite: s3: {endpoint: "https://s3.example.com", bucket: "backups", region: "eu-west-1", accessKeyEnv: "OFFSITE_ACCESS_KEY", secretKeyEnv: "OFFSITE_SECRET_KEY"}
`

func TestBackupValid(t *testing.T) {
	cfg, err := Load(caseFS(remotes+`tiers: fast: backup: {remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * * 1-6", keepLocal: 2, keepRemote: 8}`), "policies")
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Tiers["fast"].Backup
	if b == nil || b.Remote != "offsite" || b.KeepRemote != 8 || b.OnFailure != "skip" {
		t.Fatalf("backup decoded as %+v", b)
	}
	r := cfg.Environments["prod"].Linstor.Remotes["offsite"]
	if r.Name != "offsite" || r.Kind() != "s3" || r.SecretVars()["secret_key"] != "OFFSITE_SECRET_KEY" {
		t.Fatalf("remote decoded as %+v", r)
	}
}

// TestBackupRules checks each backup rule's error text and position.
func TestBackupRules(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown remote", remotes + `tiers: fast: backup: {remote: "elsewhere", full: "0 2 * * 0"}`,
			`policies/case.cue:5:23: tiers.fast.backup.remote: unknown remote "elsewhere" (expected a remote declared under environments.<name>.linstor.remotes)`},
		{"remote missing in an environment", `environments: sandbox: linstor: remotes: offsite: s3: {endpoint: "https://s3.example.com", bucket: "backups", region: "eu-west-1"}
tiers: fast: backup: {remote: "offsite", full: "0 2 * * 0"}`,
			`policies/case.cue:4:23: tiers.fast.backup.remote: remote "offsite" is not declared in environment prod, which uses tier fast (expected environments.prod.linstor.remotes.offsite)`},
		{"invalid cron", remotes + `tiers: fast: backup: {remote: "offsite", full: "0 25 * * 0"}`,
			`policies/case.cue:5:42: tiers.fast.backup.full: cron expression "0 25 * * 0": hour field "25": value "25" (expected a number from 0 to 23)`},
		{"invalid incremental cron", remotes + `tiers: fast: backup: {remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * *"}`,
			`policies/case.cue:5:61: tiers.fast.backup.incremental: cron expression "0 2 * *" has 4 fields (expected 5: minute hour day-of-month month day-of-week)`},
		{"keep count of 0", remotes + `tiers: fast: backup: {remote: "offsite", full: "0 2 * * 0", keepRemote: 0}`,
			`policies/case.cue:5:73: tiers.fast.backup.keepRemote: invalid value 0 (expected >=1)`},
		{"retries without retry", remotes + `tiers: fast: backup: {remote: "offsite", full: "0 2 * * 0", retries: 3}`,
			`policies/case.cue:5:61: tiers.fast.backup.retries: retries are only made with onFailure: "retry" (expected onFailure: "retry" or no retries)`},
		{"secret variable not named", `environments: prod: linstor: remotes: vault: s3: {endpoint: "https://s3.example.com", bucket: "backups", region: "eu-west-1", accessKeyEnv: "K"}`,
			`policies/case.cue:3:46: environments.prod.linstor.remotes.vault.s3: field secretKeyEnv is required outside a sandbox (expected the name of the variable holding the S3 secret key)`},
		{"two kinds", `environments: prod: linstor: remotes: dr: {linstor: url: "https://dr:3371", s3: {endpoint: "https://s3.example.com", bucket: "backups", region: "x", accessKeyEnv: "K", secretKeyEnv: "S"}}`,
			`policies/case.cue:3:39: environments.prod.linstor.remotes.dr: remote dr declares both s3 and linstor (expected exactly one of s3 or linstor)`},
		{"secret written in policies", `environments: prod: linstor: remotes: dr: linstor: {url: "https://dr:3371", passphrase: "hunter2"}`,
			`policies/case.cue:3:77: environments.prod.linstor.remotes.dr.linstor.passphrase: field not allowed (expected one of url, passphraseEnv, clusterId)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := loadCase(t, c.src)
			if err == nil {
				t.Fatal("Load accepted the case; want an error")
			}
			if got := printed(err); got != c.want {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", got, c.want)
			}
			if strings.Contains(printed(err), "hunter2") {
				t.Error("the error shows the secret written in the policies")
			}
		})
	}
}
