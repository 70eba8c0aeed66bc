package linstor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	emulator "github.com/lingate/lingate/internal/emulator/linstor"
	"github.com/lingate/lingate/schema"
)

// backupPolicies ship tier archive to an S3 bucket and tier fast to
// another LINSTOR cluster, from environment prod.
const backupPolicies = `package policies

environments: prod: {
	apigee: {organization: "acme", environment: "prod"}
	linstor: {
		controllers: ["https://linstor:3371"]
		remotes: {
			offsite: s3: {endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-linstor-backups", region: "eu-west-1", accessKeyEnv: "OFFSITE_ACCESS_KEY", secretKeyEnv: "OFFSITE_SECRET_KEY"}
			dr: linstor: {url: "https://linstor.dr.example.com:3371", passphraseEnv: "DR_PASSPHRASE"}
		}
	}
	prune: true
}
tiers: {
	archive: {description: "HDD", replicas: 2, storagePools: ["hdd-zfs"]
		backup: {remote: "offsite", full: "0 2 * * 0", incremental: "0 2 * * 1-6", keepLocal: 2, keepRemote: 8}}
	fast: {description: "NVMe", replicas: 2, storagePools: ["nvme-thin"]
		backup: {remote: "dr", full: "*/30 * * * *"}}
}
products: {
	reports: {displayName: "Reports", basePath: "/reports", environments: ["prod"], target: url: "https://r.internal", auth: apiKey: {}, tier: "archive"}
	orders: {displayName: "Orders", basePath: "/orders", environments: ["prod"], target: url: "https://o.internal", auth: apiKey: {}, tier: "fast"}
}
`

const planted = "planted-secret-9f8e7d"

// backupRig is a cluster, a driver for prod reading secrets from vars, and
// everything the test printed or was told, to search for the secret.
type backupRig struct {
	c    *cluster
	d    *Driver
	vars map[string]string
	seen []string
}

func newBackupRig(t *testing.T) *backupRig {
	r := &backupRig{c: newCluster(t), vars: map[string]string{
		"OFFSITE_ACCESS_KEY": "AKIAEXAMPLE", "OFFSITE_SECRET_KEY": planted, "DR_PASSPHRASE": "dr-passphrase"}}
	r.d = r.c.driver(t, "prod", func(cfg *Config) { cfg.Getenv = func(k string) string { return r.vars[k] } })
	t.Cleanup(func() {
		for _, s := range r.seen {
			if strings.Contains(s, planted) {
				t.Errorf("the secret appears in output:\n%s", s)
			}
		}
	})
	return r
}

// desired compiles src for prod and resolves the secrets' hashes.
func (r *backupRig) desired(t *testing.T, src string) ([]artifact.Object, error) {
	t.Helper()
	cfg, err := schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(src)}}, "policies")
	if err != nil {
		t.Fatal(err)
	}
	set, err := compile.Compile(cfg, "prod")
	if err != nil {
		t.Fatal(err)
	}
	var objs []artifact.Object
	for _, o := range set.Objects {
		if o.System == artifact.SystemLinstor {
			objs = append(objs, o)
		}
	}
	resolved, err := r.d.Resolve(context.Background(), objs)
	if err != nil {
		r.seen = append(r.seen, err.Error())
		return nil, err
	}
	for _, o := range resolved {
		for _, f := range o.Files {
			r.seen = append(r.seen, string(f.Data))
		}
	}
	return resolved, nil
}

// plan reads live and compares, recording the plan and impacts as output.
func (r *backupRig) plan(t *testing.T, want []artifact.Object) apply.ChangeSet {
	t.Helper()
	live, err := r.d.Read(context.Background(), want)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	cs := apply.Compare([]apply.Pair{{Env: "prod", Base: live.Objects, Head: want, Prune: true}})
	for i, c := range cs.Changes {
		impact, err := r.d.Impact(context.Background(), c, findKind(live.Objects, c), findKind(want, c))
		if err != nil {
			t.Fatalf("impact %s: %v", c.Subject(), err)
		}
		cs.Changes[i].Impact = impact
	}
	data, _ := json.Marshal(cs)
	r.seen = append(r.seen, string(data))
	for _, o := range live.Objects {
		for _, f := range o.Files {
			r.seen = append(r.seen, string(f.Data))
		}
	}
	return cs
}

func findKind(objs []artifact.Object, c apply.Change) artifact.Object {
	for _, o := range objs {
		if o.Kind == c.Kind && o.Name == c.Name {
			return o
		}
	}
	return artifact.Object{}
}

// execute applies cs with the executor (in its stage order), then
// requires an empty plan.
func (r *backupRig) execute(t *testing.T, cs apply.ChangeSet, want []artifact.Object) {
	t.Helper()
	drivers := map[apply.Target]apply.Driver{{Env: "prod", System: artifact.SystemLinstor}: r.d}
	res, err := apply.Execute(context.Background(), cs, []artifact.Set{{Env: "prod", Objects: want}}, drivers, apply.ExecOptions{})
	data, _ := json.Marshal(res)
	r.seen = append(r.seen, string(data))
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	for _, o := range res.Outcomes {
		if o.Error != "" || o.Status != apply.Applied {
			t.Fatalf("%s %s: %s %s", o.Change.Action, o.Change.Subject(), o.Status, o.Error)
		}
	}
	if cs := r.plan(t, want); !cs.Empty() {
		t.Fatalf("plan after apply is not empty: %+v", cs.Changes)
	}
}

func subjects(cs apply.ChangeSet) string {
	var out []string
	for _, c := range cs.Changes {
		out = append(out, string(c.Action)+" "+c.Kind+" "+c.Name)
	}
	return strings.Join(out, ", ")
}

// TestBackupApplyLifecycle creates remotes, schedules and enablements,
// rotates a secret, changes a schedule and prunes a tier's backup, against
// the emulator, with the secret never in any output.
func TestBackupApplyLifecycle(t *testing.T) {
	r := newBackupRig(t)
	want, err := r.desired(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	cs := r.plan(t, want)
	if got := subjects(cs); strings.Count(got, "create") != 8 {
		t.Fatalf("first plan: %s", got)
	}
	r.execute(t, cs, want)
	if d := r.c.srv.RemoteSecretDigests("offsite"); d["secret_key"] != emulator.SecretDigest(planted) || d["access_key"] != emulator.SecretDigest("AKIAEXAMPLE") {
		t.Fatalf("the emulator holds secret digests %v", d)
	}
	if d := r.c.srv.RemoteSecretDigests("dr"); d["passphrase"] != emulator.SecretDigest("dr-passphrase") {
		t.Fatalf("the emulator holds passphrase digest %v", d)
	}
	rg, err := r.c.gl.ResourceGroups.Get(context.Background(), "archive")
	if err != nil || rg.Props["Schedule/offsite/archive/Enabled"] != "true" {
		t.Fatalf("archive props %v, %v", rg.Props, err)
	}

	// A rotated secret is one update of the remote, "credentials changed".
	r.vars["OFFSITE_SECRET_KEY"] = "rotated-" + planted
	if want, err = r.desired(t, backupPolicies); err != nil {
		t.Fatal(err)
	}
	cs = r.plan(t, want)
	if got := subjects(cs); got != "update remote offsite" {
		t.Fatalf("plan after rotation: %s", got)
	}
	requireContains(t, "impact", cs.Changes[0].Impact, "credentials changed: secret_key (from $OFFSITE_SECRET_KEY)")
	r.execute(t, cs, want)
	if d := r.c.srv.RemoteSecretDigests("offsite"); d["secret_key"] != emulator.SecretDigest("rotated-"+planted) {
		t.Fatalf("rotation did not reach the controller: %v", d)
	}

	// A changed schedule is one update of the schedule.
	changed := strings.Replace(backupPolicies, `full: "0 2 * * 0"`, `full: "0 3 * * 0"`, 1)
	if want, err = r.desired(t, changed); err != nil {
		t.Fatal(err)
	}
	cs = r.plan(t, want)
	if got := subjects(cs); got != "update schedule archive" {
		t.Fatalf("plan after a schedule change: %s", got)
	}
	r.execute(t, cs, want)

	// A tier without a backup prunes its enablement, schedule and remote.
	pruned := strings.Replace(changed, `backup: {remote: "offsite", full: "0 3 * * 0", incremental: "0 2 * * 1-6", keepLocal: 2, keepRemote: 8}`, ``, 1)
	if want, err = r.desired(t, pruned); err != nil {
		t.Fatal(err)
	}
	cs = r.plan(t, want)
	if got := subjects(cs); got != "delete remote offsite, delete schedule archive, delete backup-schedule archive" {
		t.Fatalf("plan after removing a backup: %s", got)
	}
	r.execute(t, cs, want)
	all, err := r.c.gl.Remote.GetAll(context.Background())
	if err != nil || len(all.S3Remotes) != 0 || len(all.LinstorRemotes) != 1 {
		t.Fatalf("remotes after prune: %+v, %v", all, err)
	}
}

// TestBackupSecretVariableEmpty: a variable that is empty at plan or apply
// time is an error naming it.
func TestBackupSecretVariableEmpty(t *testing.T) {
	r := newBackupRig(t)
	want, err := r.desired(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	r.vars["OFFSITE_SECRET_KEY"] = ""
	_, err = r.desired(t, backupPolicies)
	if err == nil {
		t.Fatal("Resolve accepted an empty secret variable")
	}
	requireContains(t, "error", err.Error(), "linstor remote offsite: variable OFFSITE_SECRET_KEY (the secret_key of remote offsite) is not set or empty")
	// Planned with the variable set, applied without it.
	create := apply.Change{Ref: apply.Ref{Env: "prod", System: artifact.SystemLinstor, Kind: artifact.KindRemote, Name: "offsite"}, Action: apply.Create}
	applyOffsite := func() error { return r.d.Apply(context.Background(), create, findKind(want, create)) }
	err = applyOffsite()
	if err == nil {
		t.Fatal("Apply accepted an empty secret variable")
	}
	r.seen = append(r.seen, err.Error())
	requireContains(t, "error", err.Error(), "linstor remote offsite: create: variable OFFSITE_SECRET_KEY")
	// A secret changed between plan and apply is refused too.
	r.vars["OFFSITE_SECRET_KEY"] = "another"
	err = applyOffsite()
	if err == nil || !strings.Contains(err.Error(), "variable OFFSITE_SECRET_KEY changed since the plan was made") {
		t.Fatalf("apply with a secret changed since the plan: %v", err)
	}
}

// TestBackupFailedRemoteSkipsDependents: when a remote cannot be applied,
// the schedule and enablement that need it are skipped and say why, while
// the resource groups are applied.
func TestBackupFailedRemoteSkipsDependents(t *testing.T) {
	r := newBackupRig(t)
	want, err := r.desired(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	r.vars["DR_PASSPHRASE"] = "changed-after-the-plan"
	cs := r.plan(t, want)
	drivers := map[apply.Target]apply.Driver{{Env: "prod", System: artifact.SystemLinstor}: r.d}
	res, _ := apply.Execute(context.Background(), cs, []artifact.Set{{Env: "prod", Objects: want}}, drivers, apply.ExecOptions{})
	got := map[string]string{}
	for _, o := range res.Outcomes {
		got[o.Change.Kind+" "+o.Change.Name] = string(o.Status) + " " + o.Error
		r.seen = append(r.seen, o.Error)
	}
	for subject, want := range map[string]string{
		"remote dr":               "failed variable DR_PASSPHRASE changed since the plan was made: plan again",
		"remote offsite":          "applied ",
		"resource-group fast":     "applied ",
		"schedule fast":           "skipped ",
		"backup-schedule fast":    "skipped ",
		"backup-schedule archive": "skipped ",
	} {
		if !strings.HasPrefix(got[subject], want) {
			t.Errorf("%s: %q, want %q", subject, got[subject], want)
		}
	}
}

// TestBackupLostResponsesConverge: the creates of a remote and a schedule
// and an enable reach the controller but their answers are lost; the apply
// re-reads, creates nothing twice and converges.
func TestBackupLostResponsesConverge(t *testing.T) {
	r := newBackupRig(t)
	l := &lossy{base: http.DefaultTransport, hit: map[string]int{}, faults: map[string]int{
		"POST /v1/remotes/s3": 0,
		"POST /v1/schedules":  http.StatusInternalServerError,
		"PUT /v1/remotes/offsite/backups/schedule/archive/enable": http.StatusBadGateway,
	}}
	policy := apply.RetryPolicy{Initial: time.Millisecond, MaxInterval: 5 * time.Millisecond}
	r.d = r.c.driver(t, "prod", func(cfg *Config) {
		cfg.Getenv = func(k string) string { return r.vars[k] }
		cfg.HTTPClient = &http.Client{Transport: &apply.Transport{Base: l, Policy: policy}}
	})
	want, err := r.desired(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	r.execute(t, r.plan(t, want), want)
	for k := range l.faults {
		t.Errorf("fault %s never happened", k)
	}
	if d := r.c.srv.RemoteSecretDigests("offsite"); d["secret_key"] != emulator.SecretDigest(planted) {
		t.Errorf("secret digests %v", d)
	}
}

// TestRemoteSecretsEchoedByTheControllerAreRedacted: an answer that quotes
// the request body (a gateway's error page, or a LINSTOR message naming a
// field's value) never carries a remote's secret into an error.
func TestRemoteSecretsEchoedByTheControllerAreRedacted(t *testing.T) {
	r := newBackupRig(t)
	want, err := r.desired(t, backupPolicies)
	if err != nil {
		t.Fatal(err)
	}
	for _, asRC := range []bool{false, true} {
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			switch {
			case req.Method == http.MethodGet:
				w.Write([]byte("{}"))
				return
			case req.URL.Path == "/v1/controller/properties":
				w.Write([]byte(`[{"ret_code":0,"message":"ok"}]`))
				return
			}
			body, _ := io.ReadAll(req.Body)
			w.WriteHeader(http.StatusBadRequest)
			if asRC {
				msg, _ := json.Marshal("refused: " + string(body))
				w.Write([]byte(`[{"ret_code":-4611686018427387904,"message":` + string(msg) + `,"cause":` + string(msg) + `}]`))
				return
			}
			w.Write([]byte("bad request: " + string(body)))
		}))
		d, err := New(Config{Env: "prod", Controllers: []string{echo.URL}, Getenv: func(k string) string { return r.vars[k] },
			Retry: apply.RetryPolicy{MaxTries: 1}})
		if err != nil {
			t.Fatal(err)
		}
		create := apply.Change{Ref: apply.Ref{Env: "prod", System: artifact.SystemLinstor, Kind: artifact.KindRemote, Name: "offsite"}, Action: apply.Create}
		err = d.Apply(context.Background(), create, findKind(want, create))
		echo.Close()
		if err == nil {
			t.Fatalf("ApiCallRc %v: a refused create succeeded", asRC)
		}
		if !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("ApiCallRc %v: the echoed body is not in the error, so this test shows nothing: %v", asRC, err)
		}
		r.seen = append(r.seen, err.Error())
	}
}
