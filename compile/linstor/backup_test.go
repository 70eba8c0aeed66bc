package linstor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/golden"
	"github.com/lingate/lingate/schema"
)

// backupPolicies ship tier archive to an S3 bucket and tier fast to another
// LINSTOR cluster; staging shares prod's controllers under a prefix.
const backupPolicies = `package policies

environments: {
	sandbox: {sandbox: true, linstor: remotes: {
		offsite: s3: {endpoint: "http://s3.sandbox.invalid", bucket: "sandbox-backups", region: "local", usePathStyle: true}
		dr: linstor: url: "http://dr.sandbox.invalid:3370"
	}}
	prod: {
		apigee: {organization: "acme", environment: "prod"}
		linstor: {
			controllers: ["https://linstor:3371"]
			remotes: {
				offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-linstor-backups", region: "eu-west-1", accessKeyEnv: "OFFSITE_ACCESS_KEY", secretKeyEnv: "OFFSITE_SECRET_KEY"}
				dr: linstor: {url: "https://linstor.dr.example.com:3371", passphraseEnv: "DR_PASSPHRASE", clusterId: "6e2b0b4a-4a7e-4c55-9d36-0d3c1f1e2a10"}
			}
		}
	}
	staging: {
		apigee: {organization: "acme", environment: "staging"}
		linstor: {
			controllers: ["https://linstor:3371"]
			resourceGroupPrefix: "stg-"
			remotes: offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-staging-backups", region: "eu-west-1", accessKeyEnv: "STG_ACCESS_KEY", secretKeyEnv: "STG_SECRET_KEY"}
		}
	}
}
tiers: {
	archive: {description: "HDD", replicas: 2, storagePools: ["hdd-zfs"]
		backup: {remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * * 1-6", keepLocal: 2, keepRemote: 8}}
	fast: {description: "NVMe", replicas: 3, storagePools: ["nvme"]
		backup: {remote: "dr", full: "*/30 * * * *", onFailure: "retry", retries: 3}}
}
products: {
	reports: {displayName: "Reports", basePath: "/reports", environments: ["sandbox", "prod", "staging"], target: url: "https://r.internal", auth: apiKey: {}, tier: "archive"}
	orders: {displayName: "Orders", basePath: "/orders", environments: ["sandbox", "prod"], target: url: "https://o.internal", auth: apiKey: {}, tier: "fast"}
}
`

func loadBackupPolicies(t *testing.T, src string) (*schema.Config, error) {
	t.Helper()
	return schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(src)}}, "policies")
}

// backupFiles compiles every environment and returns the files of the
// backup objects, each checked against LINSTOR's OpenAPI schema.
func backupFiles(t *testing.T, cfg *schema.Config) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, env := range cfg.EnvironmentNames() {
		objs, err := Compile(cfg, env)
		if err != nil {
			t.Fatalf("Compile(%s): %v", env, err)
		}
		for _, o := range objs {
			if o.Kind == artifact.KindResourceGroup {
				continue
			}
			for _, f := range o.Files {
				if err := validateBackupFile(t, f); err != nil {
					t.Errorf("%s/%s does not validate against LINSTOR's OpenAPI spec: %v\n%s", env, f.Path, err, f.Data)
				}
				files[env+"/"+f.Path] = f.Data
			}
		}
	}
	return files
}

// validateBackupFile checks a backup object's JSON against the schema of
// the LINSTOR call that takes it.
func validateBackupFile(t *testing.T, f artifact.File) error {
	var doc any
	switch {
	case strings.HasSuffix(f.Path, ".secrets"):
		return nil
	case json.Unmarshal(f.Data, &doc) != nil:
		return fmt.Errorf("not JSON")
	case strings.HasPrefix(f.Path, "linstor/remotes/s3/"):
		return specSchema(t, "S3Remote").VisitJSON(doc, openapi3.MultiErrors())
	case strings.HasPrefix(f.Path, "linstor/remotes/linstor/"):
		return specSchema(t, "LinstorRemote").VisitJSON(doc, openapi3.MultiErrors())
	case strings.HasPrefix(f.Path, "linstor/schedules/"):
		return specSchema(t, "Schedule").VisitJSON(doc, openapi3.MultiErrors())
	case strings.HasPrefix(f.Path, "linstor/backup-schedules/"):
		list, _ := doc.([]any)
		if len(list) == 0 {
			return fmt.Errorf("no enablements")
		}
		for i, e := range list {
			req := e.(map[string]any)["request"]
			if err := specSchema(t, "BackupSchedule").VisitJSON(req, openapi3.MultiErrors()); err != nil {
				return fmt.Errorf("[%d].request: BackupSchedule: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown backup file")
}

func TestBackupGolden(t *testing.T) {
	t.Setenv("OFFSITE_SECRET_KEY", "planted-secret-value")
	cfg, err := loadBackupPolicies(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	files := backupFiles(t, cfg)
	for path, data := range files {
		if bytes.Contains(data, []byte("planted-secret-value")) {
			t.Errorf("%s holds the secret", path)
		}
	}
	golden.Tree(t, filepath.Join("testdata", "backups"), files)
}

// TestBackupSpecCatchesBadObjects shows the validation can fail.
func TestBackupSpecCatchesBadObjects(t *testing.T) {
	for path, bad := range map[string]string{
		"linstor/remotes/s3/x.json":       `{"remote_name": "x", "use_path_style": "yes"}`,
		"linstor/remotes/linstor/x.json":  `{"remote_name": 3}`,
		"linstor/schedules/x.json":        `{"schedule_name": "x", "full_cron": "0 2 * * *", "on_failure": "NEVER"}`,
		"linstor/schedules/y.json":        `{"schedule_name": "y"}`,
		"linstor/backup-schedules/x.json": `[{"remote_name": "r", "schedule_name": "s", "request": {"grp_name": 5}}]`,
	} {
		if err := validateBackupFile(t, artifact.File{Path: path, Data: []byte(bad)}); err == nil {
			t.Errorf("%s %s validated", path, bad)
		}
	}
}

// TestBackupOrder checks that a backup schedule comes after its remote,
// schedule and group in apply order.
func TestBackupOrder(t *testing.T) {
	cfg, err := loadBackupPolicies(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Compile(cfg, "prod")
	if err != nil {
		t.Fatal(err)
	}
	set := artifact.Set{Env: "prod", Objects: objs}
	set.Sort()
	var got []string
	for _, o := range set.Objects {
		got = append(got, o.Kind+" "+o.Name)
	}
	want := "remote dr,remote offsite,schedule archive,schedule fast,resource-group archive,resource-group fast,backup-schedule archive,backup-schedule fast"
	if strings.Join(got, ",") != want {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, ","), want)
	}
}

// TestBackupRemoteNameTooLong: a remote whose LINSTOR name (prefix and
// name) LINSTOR would refuse is reported at the remote's line.
func TestBackupRemoteNameTooLong(t *testing.T) {
	long := strings.Repeat("r", 40)
	src := strings.ReplaceAll(backupPolicies, `remotes: offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-staging-backups"`,
		`remotes: `+long+`: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-staging-backups"`)
	src = strings.Replace(src, `resourceGroupPrefix: "stg-"`, `resourceGroupPrefix: "staging-x-"`, 1)
	src = strings.Replace(src, `environments: ["sandbox", "prod", "staging"]`, `environments: ["sandbox", "prod"]`, 1)
	src = strings.Replace(src, `environments: ["sandbox", "prod"], target: url: "https://o.internal"`, `environments: ["sandbox", "prod", "staging"], target: url: "https://o.internal"`, 1)
	src = strings.Replace(src, `backup: {remote: "dr", full: "*/30 * * * *", onFailure: "retry", retries: 3}`, `backup: {remote: "`+long+`", full: "*/30 * * * *"}`, 1)
	src = strings.Replace(src, `dr: linstor: url: "http://dr.sandbox.invalid:3370"`, long+`: linstor: url: "http://dr.sandbox.invalid:3370"`, 1)
	src = strings.Replace(src, `dr: linstor: {url: "https://linstor.dr.example.com:3371"`, long+`: linstor: {url: "https://linstor.dr.example.com:3371"`, 1)
	cfg, err := loadBackupPolicies(t, src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(cfg, "staging")
	want := "policies/p.cue:23:13: environments.staging.linstor.remotes." + long + `: LINSTOR remote name "staging-x-` + long + `" has 50 bytes; LINSTOR allows 2 to 48`
	if err == nil || err.Error() != want {
		t.Fatalf("Compile(staging) = %v\nwant %s", err, want)
	}
}
