package schema

import (
	"fmt"
	"slices"

	"github.com/lingate/lingate/internal/cron"
)

// Remote is where backups of an environment's tiers are shipped: an S3
// bucket or another LINSTOR cluster. Name is the key it is declared under.
type Remote struct {
	Name    string         `json:"-"`
	S3      *S3Remote      `json:"s3,omitempty"`
	Linstor *LinstorRemote `json:"linstor,omitempty"`
}

// Kind is "s3" or "linstor".
func (r *Remote) Kind() string {
	if r.S3 != nil {
		return "s3"
	}
	return "linstor"
}

// SecretVars are the names of the variables holding the remote's secrets,
// by the LINSTOR field they fill (access_key, secret_key, passphrase);
// those left unnamed are absent.
func (r *Remote) SecretVars() map[string]string {
	out := map[string]string{}
	add := func(field, name string) {
		if name != "" {
			out[field] = name
		}
	}
	if r.S3 != nil {
		add("access_key", r.S3.AccessKeyEnv)
		add("secret_key", r.S3.SecretKeyEnv)
	}
	if r.Linstor != nil {
		add("passphrase", r.Linstor.PassphraseEnv)
	}
	return out
}

// S3Remote is an S3 bucket. The keys are read from the variables named by
// AccessKeyEnv and SecretKeyEnv when lingate applies, never from policies.
type S3Remote struct {
	Endpoint     string `json:"endpoint"`
	Bucket       string `json:"bucket"`
	Region       string `json:"region"`
	UsePathStyle bool   `json:"usePathStyle"`
	AccessKeyEnv string `json:"accessKeyEnv,omitempty"`
	SecretKeyEnv string `json:"secretKeyEnv,omitempty"`
}

// LinstorRemote is another LINSTOR cluster's controller. The passphrase
// is read from the variable PassphraseEnv names when lingate applies.
type LinstorRemote struct {
	URL           string `json:"url"`
	PassphraseEnv string `json:"passphraseEnv,omitempty"`
	ClusterID     string `json:"clusterId,omitempty"`
}

// Backup is a tier's backup schedule: full and incremental backups of each
// of the tier's resources shipped to Remote on cron schedules (UTC).
type Backup struct {
	Remote      string `json:"remote"`
	Full        string `json:"full"`
	Incremental string `json:"incremental,omitempty"`
	// KeepLocal and KeepRemote are 0 when left to LINSTOR.
	KeepLocal  int `json:"keepLocal,omitempty"`
	KeepRemote int `json:"keepRemote,omitempty"`
	// OnFailure is "skip" (the default) or "retry".
	OnFailure string `json:"onFailure"`
	Retries   int    `json:"retries,omitempty"`
}

// checkRemotes checks that each of an environment's remotes is exactly one
// kind and, outside a sandbox, names the variables of its secrets.
func checkRemotes(cfg *Config, e *Environment) Errors {
	var errs Errors
	for _, name := range Names(e.Linstor.Remotes) {
		r := e.Linstor.Remotes[name]
		at := Path(SectionEnvironments, e.Name, "linstor", "remotes", name)
		if (r.S3 == nil) == (r.Linstor == nil) {
			errs = append(errs, cfg.Errorf(at, "remote %s declares %s (expected exactly one of s3 or linstor)", name, kinds(r)))
			continue
		}
		if e.Sandbox || r.S3 == nil {
			continue
		}
		for field, v := range map[string]string{"accessKeyEnv": r.S3.AccessKeyEnv, "secretKeyEnv": r.S3.SecretKeyEnv} {
			if v == "" {
				errs = append(errs, cfg.Errorf(Path(SectionEnvironments, e.Name, "linstor", "remotes", name, "s3"),
					"field %s is required outside a sandbox (expected the name of the variable holding the S3 %s)", field, map[string]string{"accessKeyEnv": "access key", "secretKeyEnv": "secret key"}[field]))
			}
		}
	}
	return errs
}

func kinds(r *Remote) string {
	if r.S3 != nil {
		return "both s3 and linstor"
	}
	return "neither s3 nor linstor"
}

// checkBackup checks a tier's backup: its crons as LINSTOR parses them,
// retries only with onFailure retry, and its remote declared in every
// environment that uses the tier.
func checkBackup(cfg *Config, t *Tier, usedIn map[string][]string) Errors {
	b := t.Backup
	if b == nil {
		return nil
	}
	var errs Errors
	at := func(field string) string { return Path(SectionTiers, t.Name, "backup", field) }
	for field, expr := range map[string]string{"full": b.Full, "incremental": b.Incremental} {
		if field == "incremental" && expr == "" {
			continue
		}
		if _, err := cron.Parse(expr); err != nil {
			errs = append(errs, cfg.Errorf(at(field), "%v", err))
		}
	}
	if b.Retries > 0 && b.OnFailure != "retry" {
		errs = append(errs, cfg.Errorf(at("retries"), "retries are only made with onFailure: \"retry\" (expected onFailure: \"retry\" or no retries)"))
	}
	declaredSomewhere := false
	var missing []string
	for _, env := range Names(cfg.Environments) {
		_, ok := cfg.Environments[env].Linstor.Remotes[b.Remote]
		declaredSomewhere = declaredSomewhere || ok
		if !ok && slices.Contains(usedIn[t.Name], env) {
			missing = append(missing, env)
		}
	}
	switch {
	case !declaredSomewhere:
		errs = append(errs, cfg.Errorf(at("remote"), "unknown remote %q (expected a remote declared under environments.<name>.linstor.remotes)", b.Remote))
	case len(missing) > 0:
		errs = append(errs, cfg.Errorf(at("remote"), "remote %q is not declared in environment %s, which uses tier %s (expected environments.%s.linstor.remotes.%s)",
			b.Remote, list(missing), t.Name, missing[0], b.Remote))
	}
	return errs
}

// tierUse maps each tier to the environments that use it, sorted.
func tierUse(cfg *Config) map[string][]string {
	out := map[string][]string{}
	for _, env := range Names(cfg.Environments) {
		for _, t := range cfg.TiersIn(env) {
			out[t.Name] = append(out[t.Name], env)
		}
	}
	return out
}

// String describes the remote for messages: kind and where.
func (r *Remote) String() string {
	if r.S3 != nil {
		return fmt.Sprintf("s3 bucket %s in %s", r.S3.Bucket, r.S3.Region)
	}
	return "linstor cluster " + r.Linstor.URL
}
