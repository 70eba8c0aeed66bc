package linstor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// S3Remote is LINSTOR's S3Remote without the keys: compile never holds
// them, the driver adds them from the named variables when it applies.
type S3Remote struct {
	RemoteName   string `json:"remote_name"`
	Endpoint     string `json:"endpoint"`
	Bucket       string `json:"bucket"`
	Region       string `json:"region"`
	UsePathStyle bool   `json:"use_path_style"`
	AccessKey    string `json:"access_key,omitempty"`
	SecretKey    string `json:"secret_key,omitempty"`
}

// LinstorRemote is LINSTOR's LinstorRemote; the passphrase, like S3
// keys, is only ever filled by the driver.
type LinstorRemote struct {
	RemoteName string `json:"remote_name"`
	URL        string `json:"url"`
	Passphrase string `json:"passphrase,omitempty"`
	ClusterID  string `json:"cluster_id,omitempty"`
}

// Schedule is LINSTOR's Schedule (POST /v1/schedules).
type Schedule struct {
	ScheduleName string `json:"schedule_name"`
	FullCron     string `json:"full_cron"`
	IncCron      string `json:"inc_cron,omitempty"`
	KeepLocal    int32  `json:"keep_local,omitempty"`
	KeepRemote   int32  `json:"keep_remote,omitempty"`
	OnFailure    string `json:"on_failure"`
	MaxRetries   int32  `json:"max_retries,omitempty"`
}

// Enablement is one schedule enabled for a resource group towards a
// remote: PUT /v1/remotes/{RemoteName}/backups/schedule/{ScheduleName}/enable
// with Request (a BackupSchedule) as body.
type Enablement struct {
	RemoteName   string         `json:"remote_name"`
	ScheduleName string         `json:"schedule_name"`
	Request      BackupSchedule `json:"request"`
}

// BackupSchedule is LINSTOR's BackupSchedule body, for a resource group.
type BackupSchedule struct {
	GrpName string `json:"grp_name"`
}

// Paths of the backup objects' files in an environment's output folder.
func RemotePath(kind, name string) string { return "linstor/remotes/" + kind + "/" + name + ".json" }

// SecretsPath is the file naming a remote's secret variables (and, in a
// live plan, a keyed hash of their values; never the values).
func SecretsPath(name string) string { return "linstor/remotes/" + name + ".secrets" }

// SchedulePath is where a schedule's file lies.
func SchedulePath(name string) string { return "linstor/schedules/" + name + ".json" }

// EnablementPath is where the enablements of a resource group lie.
func EnablementPath(rg string) string { return "linstor/backup-schedules/" + rg + ".json" }

// RemoteName is the LINSTOR name of remote in env: the environment's
// resourceGroupPrefix followed by the name the policies give it.
func RemoteName(e *schema.Environment, remote string) string {
	return e.Linstor.ResourceGroupPrefix + remote
}

// SecretsText is the content of SecretsPath for vars (LINSTOR field to
// variable name), one "field: $VARIABLE" line each, sorted.
func SecretsText(vars map[string]string) []byte {
	if len(vars) == 0 {
		return []byte("no credentials\n")
	}
	var b bytes.Buffer
	for _, f := range slices.Sorted(maps.Keys(vars)) {
		fmt.Fprintf(&b, "%s: $%s\n", f, vars[f])
	}
	return b.Bytes()
}

// backups compiles the remotes the tiers of env ship backups to, a schedule
// per tier with a backup, and its enablement for the tier's group.
func (c *checker) backups(env string, tiers []*schema.Tier) ([]artifact.Object, error) {
	e := c.cfg.Environments[env]
	var objs []artifact.Object
	remotes := map[string]bool{}
	for _, t := range tiers {
		if t.Backup == nil {
			continue
		}
		r, ok := e.Linstor.Remotes[t.Backup.Remote]
		if !ok {
			continue // reported by the schema's rules
		}
		rg := e.Linstor.ResourceGroupPrefix + t.Name
		remote := RemoteName(e, r.Name)
		if p := nameProblem(remote, minNameLen); p != "" {
			c.fail(schema.Path(schema.SectionEnvironments, env, "linstor", "remotes", r.Name), "LINSTOR remote name %q %s", remote, p)
			continue
		}
		if !remotes[remote] {
			remotes[remote] = true
			o, err := remoteObject(remote, r)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
		}
		s, err := scheduleObject(rg, t.Backup)
		if err != nil {
			return nil, err
		}
		en, err := EncodeEnablements([]Enablement{{RemoteName: remote, ScheduleName: rg, Request: BackupSchedule{GrpName: rg}}})
		if err != nil {
			return nil, err
		}
		objs = append(objs, s, artifact.Object{System: artifact.SystemLinstor, Kind: artifact.KindBackupSchedule, Name: rg,
			Files: []artifact.File{{Path: EnablementPath(rg), Data: en}}})
	}
	return objs, nil
}

// remoteObject is a remote's object: its LINSTOR JSON without secrets and
// the names of the variables holding them.
func remoteObject(name string, r *schema.Remote) (artifact.Object, error) {
	var body any
	if r.S3 != nil {
		body = S3Remote{RemoteName: name, Endpoint: r.S3.Endpoint, Bucket: r.S3.Bucket, Region: r.S3.Region, UsePathStyle: r.S3.UsePathStyle}
	} else {
		body = LinstorRemote{RemoteName: name, URL: r.Linstor.URL, ClusterID: r.Linstor.ClusterID}
	}
	data, err := EncodeJSON(body)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("linstor remote %s: encode: %w", name, err)
	}
	return artifact.Object{System: artifact.SystemLinstor, Kind: artifact.KindRemote, Name: name, Files: []artifact.File{
		{Path: RemotePath(r.Kind(), name), Data: data},
		{Path: SecretsPath(name), Data: SecretsText(r.SecretVars())},
	}}, nil
}

// scheduleObject is the schedule of a tier's backup, named as its group.
func scheduleObject(name string, b *schema.Backup) (artifact.Object, error) {
	data, err := EncodeJSON(Schedule{ScheduleName: name, FullCron: b.Full, IncCron: b.Incremental,
		KeepLocal: int32(b.KeepLocal), KeepRemote: int32(b.KeepRemote), OnFailure: strings.ToUpper(b.OnFailure), MaxRetries: int32(b.Retries)})
	if err != nil {
		return artifact.Object{}, fmt.Errorf("linstor schedule %s: encode: %w", name, err)
	}
	return artifact.Object{System: artifact.SystemLinstor, Kind: artifact.KindSchedule, Name: name,
		Files: []artifact.File{{Path: SchedulePath(name), Data: data}}}, nil
}

// EncodeEnablements writes enablements sorted by remote and schedule.
func EncodeEnablements(es []Enablement) ([]byte, error) {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b Enablement) int {
		return strings.Compare(a.RemoteName+"\x00"+a.ScheduleName, b.RemoteName+"\x00"+b.ScheduleName)
	})
	return EncodeJSON(es)
}

// EncodeJSON is v as compile writes its files: indented JSON with a
// trailing newline, without HTML escaping.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
