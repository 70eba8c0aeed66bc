package linstor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// Remotes and schedules carry no properties, so lingate records the ones
// it manages in controller properties:
//   - PropRemotePrefix+env+"/"+REMOTE holds, as JSON, the remote's secret
//     fields with their variables and the keyed hashes of the values last
//     applied (hash "pending" while a write is under way);
//   - PropSchedulePrefix+env+"/"+SCHEDULE holds the commit that wrote it.
//
// A schedule's enablement on a resource group is the group's property
// Schedule/<remote>/<schedule>/Enabled, which LINSTOR sets; it is lingate's
// when the group is.
const (
	PropRemotePrefix   = cl.LingateNamespace + "remote/"
	PropSchedulePrefix = cl.LingateNamespace + "schedule/"
	scheduleNamespace  = "Schedule/"
	pendingHash        = "pending"
)

func (d *Driver) remoteKey(name string) string {
	return PropRemotePrefix + d.env + "/" + strings.ToUpper(name)
}
func (d *Driver) scheduleKey(name string) string {
	return PropSchedulePrefix + d.env + "/" + strings.ToUpper(name)
}

// backupKinds are the kinds of backup_go's objects.
var backupKinds = []string{artifact.KindRemote, artifact.KindSchedule, artifact.KindBackupSchedule}

// readBackups returns the remotes, schedules and enablements lingate
// manages in the environment, and same-named ones of desired it does not.
func (d *Driver) readBackups(ctx context.Context, groups []liveGroup, desired []artifact.Object) (mine, foreign []artifact.Object, err error) {
	props, err := d.c.Controller.GetProps(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read controller properties: %w", err)
	}
	want := map[string]string{}
	for _, o := range desired {
		want[o.Kind+"/"+strings.ToUpper(o.Name)] = o.Name
	}
	sort := func(kind, name string, owned bool, o artifact.Object) {
		spelling, wanted := want[kind+"/"+strings.ToUpper(name)]
		if wanted {
			o.Name = spelling
		}
		switch {
		case owned:
			mine = append(mine, o)
		case wanted:
			foreign = append(foreign, o)
		}
	}
	remotes, err := d.c.Remote.GetAll(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read remotes: %w", err)
	}
	for _, r := range remotes.S3Remotes {
		body := cl.S3Remote{RemoteName: r.RemoteName, Endpoint: r.Endpoint, Bucket: r.Bucket, Region: r.Region, UsePathStyle: r.UsePathStyle}
		stamp, owned := props[d.remoteKey(r.RemoteName)]
		sort(artifact.KindRemote, r.RemoteName, owned, remoteObject(r.RemoteName, "s3", body, stamp))
	}
	for _, r := range remotes.LinstorRemotes {
		body := cl.LinstorRemote{RemoteName: r.RemoteName, URL: r.Url, ClusterID: r.ClusterId}
		stamp, owned := props[d.remoteKey(r.RemoteName)]
		sort(artifact.KindRemote, r.RemoteName, owned, remoteObject(r.RemoteName, "linstor", body, stamp))
	}
	scheds, err := d.listSchedules(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range scheds {
		_, owned := props[d.scheduleKey(s.ScheduleName)]
		sort(artifact.KindSchedule, s.ScheduleName, owned, fileObject(artifact.KindSchedule, s.ScheduleName, cl.SchedulePath(s.ScheduleName), s))
	}
	for _, g := range groups {
		if es := enablements(g); len(es) > 0 && g.managed(d.env) {
			data, _ := cl.EncodeEnablements(es)
			name := g.Name
			if spelling, ok := want[artifact.KindBackupSchedule+"/"+strings.ToUpper(name)]; ok {
				name = spelling
			}
			mine = append(mine, artifact.Object{System: artifact.SystemLinstor, Kind: artifact.KindBackupSchedule, Name: name,
				Files: []artifact.File{{Path: cl.EnablementPath(name), Data: data}}})
		}
	}
	return mine, foreign, nil
}

// remoteObject is a live remote as compile writes it; stamp is its
// controller property ("" for a remote lingate does not manage).
func remoteObject(name, kind string, body any, stamp string) artifact.Object {
	var lines []secretLine
	if stamp != "" {
		var m map[string]string
		_ = json.Unmarshal([]byte(stamp), &m) // a stamp edited into garbage reads as no credentials: the plan shows it
		for field, v := range m {
			variable, hash, _ := strings.Cut(v, " ")
			lines = append(lines, secretLine{field: field, variable: strings.TrimPrefix(variable, "$"), hash: hash})
		}
	}
	o := fileObject(artifact.KindRemote, name, cl.RemotePath(kind, name), body)
	o.Files = append(o.Files, artifact.File{Path: cl.SecretsPath(name), Data: formatSecrets(lines)})
	return o
}

func fileObject(kind, name, path string, body any) artifact.Object {
	data, _ := cl.EncodeJSON(body)
	return artifact.Object{System: artifact.SystemLinstor, Kind: kind, Name: name, Files: []artifact.File{{Path: path, Data: data}}}
}

// listSchedules reads every schedule (golinstor has no schedule API),
// with LINSTOR's default on_failure filled in.
func (d *Driver) listSchedules(ctx context.Context) ([]cl.Schedule, error) {
	var list struct {
		Data []cl.Schedule `json:"data"`
	}
	if err := d.do(ctx, "GET", "/v1/schedules", nil, &list); err != nil {
		return nil, fmt.Errorf("read schedules: %w", err)
	}
	for i := range list.Data {
		if list.Data[i].OnFailure == "" {
			list.Data[i].OnFailure = "SKIP"
		}
	}
	return list.Data, nil
}

// enablements are the schedules enabled on g.
func enablements(g liveGroup) []cl.Enablement {
	var out []cl.Enablement
	for k, v := range g.Props {
		rest, ok := strings.CutPrefix(k, scheduleNamespace)
		if !ok || v != "true" {
			continue
		}
		rest, ok = strings.CutSuffix(rest, "/Enabled")
		remote, sched, two := strings.Cut(rest, "/")
		if ok && two && !strings.Contains(sched, "/") {
			out = append(out, cl.Enablement{RemoteName: remote, ScheduleName: sched, Request: cl.BackupSchedule{GrpName: g.Name}})
		}
	}
	return out
}

// withoutSchedules drops the Schedule/ props LINSTOR sets on a group when a
// schedule is enabled: they are the backup-schedule object's, not the group's.
func withoutSchedules(props map[string]string) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		if !strings.HasPrefix(k, scheduleNamespace) {
			out[k] = v
		}
	}
	return out
}

// applyBackup carries out one change of a remote, schedule or enablement.
func (d *Driver) applyBackup(ctx context.Context, c apply.Change, desired artifact.Object) error {
	switch c.Kind {
	case artifact.KindRemote:
		if c.Action == apply.Delete {
			return d.deleteRemote(ctx, c.Name)
		}
		return d.putRemote(ctx, c, desired)
	case artifact.KindSchedule:
		if c.Action == apply.Delete {
			return d.deleteSchedule(ctx, c.Name)
		}
		return d.putSchedule(ctx, c, desired)
	}
	return d.setEnablements(ctx, c, desired)
}

func fileOf(o artifact.Object, path string) ([]byte, bool) {
	for _, f := range o.Files {
		if f.Path == path {
			return f.Data, true
		}
	}
	return nil, false
}

// putRemote creates or updates a remote with its secrets, read from the
// variables now and checked against the hashes planned.
func (d *Driver) putRemote(ctx context.Context, c apply.Change, desired artifact.Object) error {
	secrets, ok := fileOf(desired, cl.SecretsPath(c.Name))
	if !ok {
		return fmt.Errorf("desired object has no file %s", cl.SecretsPath(c.Name))
	}
	lines, err := parseSecrets(secrets)
	if err != nil {
		return err
	}
	values, err := d.secretValues(c.Name, lines)
	if err != nil {
		return err
	}
	for i, l := range lines {
		now := secretHash(d.env, c.Name, values[l.field])
		if l.hash != "" && l.hash != now {
			return fmt.Errorf("variable %s changed since the plan was made: plan again", l.variable)
		}
		lines[i].hash = now
	}
	kind, body, err := remoteBody(desired, values)
	if err != nil {
		return err
	}
	live, err := d.c.Remote.GetAll(ctx)
	if err != nil {
		return fmt.Errorf("read remotes: %w", err)
	}
	liveKind := remoteKind(live, c.Name)
	owned, err := d.marked(ctx, d.remoteKey(c.Name))
	if err != nil {
		return err
	}
	if liveKind != "" && !owned && c.Action == apply.Create {
		return fmt.Errorf("a remote %s exists without lingate's marker for environment %s; adopt it with `lingate apply --adopt %s`", c.Name, d.env, c.Name)
	}
	if err := d.stampRemote(ctx, c.Name, lines, true); err != nil {
		return err
	}
	if liveKind != "" && liveKind != kind {
		if err := d.removeRemote(ctx, c.Name); err != nil {
			return fmt.Errorf("replace the %s remote by a %s one: %w", liveKind, kind, err)
		}
		liveKind = ""
	}
	if liveKind == "" {
		exists := func() (bool, error) {
			l, err := d.c.Remote.GetAll(ctx)
			return remoteKind(l, c.Name) != "", err
		}
		if err := d.createOnce(ctx, exists, "/v1/remotes/"+kind, body, linstor.FailExistsRemote); err != nil {
			return fmt.Errorf("POST: %w", err)
		}
	} else {
		if err := d.do(ctx, "PUT", "/v1/remotes/"+kind+"/"+url.PathEscape(c.Name), body, nil); err != nil {
			return fmt.Errorf("PUT: %w", err)
		}
	}
	return d.stampRemote(ctx, c.Name, lines, false)
}

// createOnce POSTs body to path unless exists finds the object, re-reading
// before each retry so a create whose answer was lost is not sent twice;
// LINSTOR's "exists" answer (existsCode) counts as done.
func (d *Driver) createOnce(ctx context.Context, exists func() (bool, error), path string, body any, existsCode uint64) error {
	_, err := apply.Retry(ctx, d.retry, func() (struct{}, error) {
		found, err := exists()
		if err != nil || found {
			return struct{}{}, err
		}
		err = d.do(ctx, "POST", path, body, nil)
		if err == nil || client.IsApiCallError(err, existsCode) {
			return struct{}{}, nil
		}
		return struct{}{}, d.lost(err)
	})
	return err
}

// remoteBody is the remote's request body with its secrets filled in.
func remoteBody(desired artifact.Object, values map[string]string) (string, any, error) {
	if data, ok := fileOf(desired, cl.RemotePath("s3", desired.Name)); ok {
		var r cl.S3Remote
		err := json.Unmarshal(data, &r)
		r.AccessKey, r.SecretKey = values["access_key"], values["secret_key"]
		return "s3", r, err
	}
	if data, ok := fileOf(desired, cl.RemotePath("linstor", desired.Name)); ok {
		var r cl.LinstorRemote
		err := json.Unmarshal(data, &r)
		r.Passphrase = values["passphrase"]
		return "linstor", r, err
	}
	return "", nil, fmt.Errorf("desired object has no file %s or %s", cl.RemotePath("s3", desired.Name), cl.RemotePath("linstor", desired.Name))
}

// remoteKind is "s3" or "linstor" for a remote of that name, "" for none.
func remoteKind(l client.RemoteList, name string) string {
	for _, r := range l.S3Remotes {
		if strings.EqualFold(r.RemoteName, name) {
			return "s3"
		}
	}
	for _, r := range l.LinstorRemotes {
		if strings.EqualFold(r.RemoteName, name) {
			return "linstor"
		}
	}
	return ""
}

// stampRemote records the remote as lingate's with its secrets' variables
// and hashes (pending: with hash "pending", before a write).
func (d *Driver) stampRemote(ctx context.Context, name string, lines []secretLine, pending bool) error {
	m := map[string]string{}
	for _, l := range lines {
		h := l.hash
		if pending {
			h = pendingHash
		}
		m[l.field] = "$" + l.variable + " " + h
	}
	data, _ := json.Marshal(m)
	err := d.modifyCtrlProps(ctx, client.GenericPropsModify{OverrideProps: client.OverrideProps{d.remoteKey(name): string(data)}})
	if err != nil {
		return fmt.Errorf("record the remote as lingate's: %w", err)
	}
	return nil
}

// marked reports whether the controller property key is set: lingate's
// marker of a remote or schedule.
func (d *Driver) marked(ctx context.Context, key string) (bool, error) {
	props, err := d.c.Controller.GetProps(ctx)
	if err != nil {
		return false, fmt.Errorf("read controller properties: %w", err)
	}
	_, ok := props[key]
	return ok, nil
}

// deleteRemote removes a remote lingate manages.
func (d *Driver) deleteRemote(ctx context.Context, name string) error {
	owned, err := d.marked(ctx, d.remoteKey(name))
	if err != nil {
		return err
	}
	if !owned {
		return fmt.Errorf("the remote carries no marker of lingate's for environment %s: lingate deletes only remotes it manages", d.env)
	}
	if err := d.removeRemote(ctx, name); err != nil {
		return err
	}
	return d.modifyCtrlProps(ctx, client.GenericPropsModify{DeleteProps: client.DeleteProps{d.remoteKey(name)}})
}

func (d *Driver) removeRemote(ctx context.Context, name string) error {
	err := d.do(ctx, "DELETE", "/v1/remotes?remote_name="+url.QueryEscape(name), nil, nil)
	if err != nil && !notFound(err) && !client.IsApiCallError(err, linstor.FailNotFoundRemote) {
		return err
	}
	return nil
}

// putSchedule creates or updates a schedule. LINSTOR's ScheduleModify
// has no on_failure or max_retries: a change of those re-creates the
// schedule, which LINSTOR refuses while it is enabled on a group.
func (d *Driver) putSchedule(ctx context.Context, c apply.Change, desired artifact.Object) error {
	data, ok := fileOf(desired, cl.SchedulePath(c.Name))
	if !ok {
		return fmt.Errorf("desired object has no file %s", cl.SchedulePath(c.Name))
	}
	var want cl.Schedule
	if err := json.Unmarshal(data, &want); err != nil {
		return err
	}
	scheds, err := d.listSchedules(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(scheds, func(s cl.Schedule) bool { return strings.EqualFold(s.ScheduleName, c.Name) })
	owned, err := d.marked(ctx, d.scheduleKey(c.Name))
	if err != nil {
		return err
	}
	if i >= 0 && !owned && c.Action == apply.Create {
		return fmt.Errorf("a schedule %s exists without lingate's marker for environment %s; adopt it with `lingate apply --adopt %s`", c.Name, d.env, c.Name)
	}
	if err := d.modifyCtrlProps(ctx, client.GenericPropsModify{OverrideProps: client.OverrideProps{d.scheduleKey(c.Name): d.commit}}); err != nil {
		return fmt.Errorf("record the schedule as lingate's: %w", err)
	}
	if i >= 0 && (scheds[i].OnFailure != want.OnFailure || scheds[i].MaxRetries != want.MaxRetries) {
		if err := d.do(ctx, "DELETE", "/v1/schedules/"+url.PathEscape(c.Name), nil, nil); err != nil {
			return fmt.Errorf("on_failure and max_retries change only by re-creating the schedule, whose delete failed (disable it on its groups first): %w", err)
		}
		i = -1
	}
	if i < 0 {
		exists := func() (bool, error) {
			scheds, err := d.listSchedules(ctx)
			return slices.ContainsFunc(scheds, func(s cl.Schedule) bool { return strings.EqualFold(s.ScheduleName, c.Name) }), err
		}
		if err := d.createOnce(ctx, exists, "/v1/schedules", want, linstor.FailExistsSchedule); err != nil {
			return fmt.Errorf("POST: %w", err)
		}
		return nil
	}
	m := struct {
		FullCron   string `json:"full_cron"`
		IncCron    string `json:"inc_cron"`
		KeepLocal  *int32 `json:"keep_local,omitempty"`
		KeepRemote *int32 `json:"keep_remote,omitempty"`
	}{FullCron: want.FullCron, IncCron: want.IncCron}
	if want.KeepLocal > 0 {
		m.KeepLocal = &want.KeepLocal
	}
	if want.KeepRemote > 0 {
		m.KeepRemote = &want.KeepRemote
	}
	if err := d.do(ctx, "PUT", "/v1/schedules/"+url.PathEscape(c.Name), m, nil); err != nil {
		return fmt.Errorf("PUT: %w", err)
	}
	return nil
}

// deleteSchedule removes a schedule lingate manages.
func (d *Driver) deleteSchedule(ctx context.Context, name string) error {
	owned, err := d.marked(ctx, d.scheduleKey(name))
	if err != nil {
		return err
	}
	if !owned {
		return fmt.Errorf("the schedule carries no marker of lingate's for environment %s: lingate deletes only schedules it manages", d.env)
	}
	err = d.do(ctx, "DELETE", "/v1/schedules/"+url.PathEscape(name), nil, nil)
	if err != nil && !notFound(err) && !client.IsApiCallError(err, linstor.FailNotFoundSchedule) {
		return err
	}
	return d.modifyCtrlProps(ctx, client.GenericPropsModify{DeleteProps: client.DeleteProps{d.scheduleKey(name)}})
}

// setEnablements enables the desired schedules on the group and deletes
// the enablements no longer wanted (all of them for a delete).
func (d *Driver) setEnablements(ctx context.Context, c apply.Change, desired artifact.Object) error {
	var want []cl.Enablement
	if c.Action != apply.Delete {
		data, ok := fileOf(desired, cl.EnablementPath(c.Name))
		if !ok {
			return fmt.Errorf("desired object has no file %s", cl.EnablementPath(c.Name))
		}
		if err := json.Unmarshal(data, &want); err != nil {
			return err
		}
	}
	g, found, err := d.getGroup(ctx, c.Name)
	if err != nil {
		return err
	}
	if !found {
		if c.Action == apply.Delete {
			return nil
		}
		return errors.New("its resource group does not exist")
	}
	if !g.managed(d.env) {
		return fmt.Errorf("the resource group carries no %s=%s marker for environment %s", cl.PropManagedBy, cl.ManagedBy, d.env)
	}
	have := enablements(g)
	same := func(a, b cl.Enablement) bool {
		return strings.EqualFold(a.RemoteName, b.RemoteName) && strings.EqualFold(a.ScheduleName, b.ScheduleName)
	}
	for _, h := range have {
		if slices.ContainsFunc(want, func(w cl.Enablement) bool { return same(w, h) }) {
			continue
		}
		path := "/v1/remotes/" + url.PathEscape(h.RemoteName) + "/backups/schedule/" + url.PathEscape(h.ScheduleName) + "/delete?rsc_grp_name=" + url.QueryEscape(g.Name)
		if err := d.do(ctx, "DELETE", path, nil, nil); err != nil {
			return fmt.Errorf("delete schedule %s towards remote %s: %w", h.ScheduleName, h.RemoteName, err)
		}
	}
	for _, w := range want {
		if slices.ContainsFunc(have, func(h cl.Enablement) bool { return same(w, h) }) {
			continue
		}
		path := "/v1/remotes/" + url.PathEscape(w.RemoteName) + "/backups/schedule/" + url.PathEscape(w.ScheduleName) + "/enable"
		if err := d.do(ctx, "PUT", path, w.Request, nil); err != nil {
			return fmt.Errorf("enable schedule %s towards remote %s: %w", w.ScheduleName, w.RemoteName, err)
		}
	}
	return nil
}

// backupImpact says what a change of a remote, schedule or enablement does
// beyond the object: rotated credentials (named by field and variable,
// never shown), backups that stop, copies that stay behind.
func backupImpact(c apply.Change, live, desired artifact.Object) string {
	switch {
	case c.Kind == artifact.KindRemote && c.Action == apply.Delete:
		return "backups already shipped to remote " + c.Name + " stay where they are, but this LINSTOR cluster no longer knows them"
	case c.Kind == artifact.KindBackupSchedule && c.Action == apply.Delete:
		return "no more backups of resource group " + c.Name + " are shipped; those already shipped stay"
	case c.Kind != artifact.KindRemote || c.Action == apply.Create:
		return ""
	}
	was, _ := fileOf(live, cl.SecretsPath(c.Name))
	now, _ := fileOf(desired, cl.SecretsPath(c.Name))
	before, _ := parseSecrets(was)
	after, _ := parseSecrets(now)
	var changed []string
	for _, a := range after {
		i := slices.IndexFunc(before, func(b secretLine) bool { return b.field == a.field })
		if i < 0 || before[i].hash != a.hash || before[i].variable != a.variable {
			changed = append(changed, a.field+" (from $"+a.variable+")")
		}
	}
	if len(changed) == 0 {
		return ""
	}
	return "credentials changed: " + strings.Join(changed, ", ") + "; the values are compared by keyed hash and never shown"
}
