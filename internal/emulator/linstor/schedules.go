package linstor

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lingate/lingate/internal/cron"
)

// schedule is a backup schedule (Schedule).
type schedule struct {
	Name       string `json:"schedule_name"`
	UUID       string `json:"uuid"`
	FullCron   string `json:"full_cron"`
	IncCron    string `json:"inc_cron,omitempty"`
	KeepLocal  *int32 `json:"keep_local,omitempty"`
	KeepRemote *int32 `json:"keep_remote,omitempty"`
	OnFailure  string `json:"on_failure"`
	MaxRetries *int32 `json:"max_retries,omitempty"`
}

// scheduleIn is Schedule as POST takes it.
type scheduleIn struct {
	Name       string  `json:"schedule_name"`
	FullCron   string  `json:"full_cron"`
	IncCron    *string `json:"inc_cron"`
	KeepLocal  *int32  `json:"keep_local"`
	KeepRemote *int32  `json:"keep_remote"`
	OnFailure  *string `json:"on_failure"`
	MaxRetries *int32  `json:"max_retries"`
}

// scheduleModifyIn is ScheduleModify (PUT): no on_failure, no max_retries.
type scheduleModifyIn struct {
	FullCron   *string `json:"full_cron"`
	IncCron    *string `json:"inc_cron"`
	KeepLocal  *int32  `json:"keep_local"`
	KeepRemote *int32  `json:"keep_remote"`
}

func scheduleCtx(name string) respCtx {
	return respCtx{op: maskCrt, obj: maskSchedule, descr: "Schedule: " + name, objRefs: map[string]string{"Schedule": name}}
}

func handleScheduleList(s *Server, _ *request) reply {
	out := []*schedule{}
	for _, k := range sortedKeys(s.st.Schedules) {
		out = append(out, s.st.Schedules[k])
	}
	return okJSON(map[string]any{"data": out})
}

// checkCron parses a cron expression as the controller does (cron-utils'
// UNIX definition) and refuses what it cannot parse.
func checkCron(field, expr string) error {
	if _, err := cron.Parse(expr); err != nil {
		return fail(failInvldTimeParam, fmt.Sprintf("The given %s '%s' is invalid.", field, expr)).with(err.Error(), "", "")
	}
	return nil
}

func checkKeep(field string, v *int32) error {
	if v != nil && *v < 0 {
		return fail(failInvldTimeParam, fmt.Sprintf("%s must not be negative.", field))
	}
	return nil
}

func handleScheduleCreate(s *Server, req *request) reply {
	var in scheduleIn
	if err := decodeBody(req.body, &in, "Schedule"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	rcs, err := s.createSchedule(in)
	// POST /v1/schedules answers 200, not 201 (reference §1.6).
	return s.respond(http.StatusOK, scheduleCtx(in.Name), rcs, err)
}

func (s *Server) createSchedule(in scheduleIn) ([]apiCallRc, error) {
	if err := nameError(in.Name, objectNameMin); err != nil {
		return nil, fail(failInvldScheduleName, fmt.Sprintf("The given schedule name '%s' is invalid.", in.Name)).with(err.Error(), "", "")
	}
	if s.st.Schedules[key(in.Name)] != nil {
		return nil, fail(failExistsSchedule, fmt.Sprintf("A schedule with the name '%s' already exists.", in.Name))
	}
	sc := &schedule{Name: in.Name, FullCron: in.FullCron, KeepLocal: in.KeepLocal, KeepRemote: in.KeepRemote, MaxRetries: in.MaxRetries, OnFailure: "SKIP"}
	if in.IncCron != nil {
		sc.IncCron = *in.IncCron
	}
	if in.OnFailure != nil {
		sc.OnFailure = strings.ToUpper(*in.OnFailure)
	}
	if sc.OnFailure != "SKIP" && sc.OnFailure != "RETRY" {
		return nil, fail(failInvldTimeParam, fmt.Sprintf("on_failure '%s' is invalid (expected SKIP or RETRY).", sc.OnFailure))
	}
	if err := sc.check(); err != nil {
		return nil, err
	}
	sc.UUID = newUUID()
	if s.st.Schedules == nil {
		s.st.Schedules = map[string]*schedule{}
	}
	s.st.Schedules[key(in.Name)] = sc
	return []apiCallRc{scheduleCtx(sc.Name).add(apiCallRc{RetCode: rcCreated, Message: fmt.Sprintf("Schedule '%s' created.", sc.Name)}, false)}, nil
}

func (sc *schedule) check() error {
	if err := checkCron("full cron", sc.FullCron); err != nil {
		return err
	}
	if sc.IncCron != "" {
		if err := checkCron("incremental cron", sc.IncCron); err != nil {
			return err
		}
	}
	if err := checkKeep("keep_local", sc.KeepLocal); err != nil {
		return err
	}
	return checkKeep("keep_remote", sc.KeepRemote)
}

func (s *Server) loadSchedule(name string) (*schedule, error) {
	sc := s.st.Schedules[key(name)]
	if sc == nil {
		return nil, fail(failNotFoundSchedule, fmt.Sprintf("The schedule '%s' could not be found.", name))
	}
	return sc, nil
}

func handleScheduleModify(s *Server, req *request) reply {
	var in scheduleModifyIn
	if err := decodeBody(req.body, &in, "ScheduleModify"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	name := req.params[0]
	rcs, err := s.modifySchedule(name, in)
	return s.respond(http.StatusOK, scheduleCtx(name), rcs, err)
}

func (s *Server) modifySchedule(name string, in scheduleModifyIn) ([]apiCallRc, error) {
	sc, err := s.loadSchedule(name)
	if err != nil {
		return nil, err
	}
	changed := *sc
	if in.FullCron != nil {
		changed.FullCron = *in.FullCron
	}
	if in.IncCron != nil {
		changed.IncCron = *in.IncCron
	}
	if in.KeepLocal != nil {
		changed.KeepLocal = in.KeepLocal
	}
	if in.KeepRemote != nil {
		changed.KeepRemote = in.KeepRemote
	}
	if err := changed.check(); err != nil {
		return nil, err
	}
	*sc = changed
	return []apiCallRc{scheduleCtx(name).add(apiCallRc{RetCode: rcModified, Message: fmt.Sprintf("Schedule '%s' modified.", sc.Name)}, false)}, nil
}

// handleScheduleDel is DELETE /v1/schedules/{name}: refused while the
// schedule is enabled on a resource group.
func handleScheduleDel(s *Server, req *request) reply {
	name := req.params[0]
	rcs, err := s.deleteSchedule(name)
	return s.respond(http.StatusOK, scheduleCtx(name), rcs, err)
}

func (s *Server) deleteSchedule(name string) ([]apiCallRc, error) {
	sc, err := s.loadSchedule(name)
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(s.st.ResourceGroups) {
		rg := s.st.ResourceGroups[k]
		for _, e := range enablementsOf(rg) {
			if key(e.schedule) == key(name) {
				return nil, fail(failInUse, fmt.Sprintf("Schedule '%s' is in use: it ships resource group '%s' to remote '%s'.", sc.Name, rg.Name, e.remote)).
					with("", "", "Delete the backup schedule first.")
			}
		}
	}
	delete(s.st.Schedules, key(name))
	return []apiCallRc{scheduleCtx(name).add(apiCallRc{RetCode: rcDeleted, Message: fmt.Sprintf("Schedule '%s' deleted.", sc.Name)}, false)}, nil
}

// Enablement props, as the controller sets them on a resource group:
// Schedule/<remote>/<schedule>/Enabled = true|false.
const (
	schedNamespace = "Schedule/"
	schedEnabled   = "/Enabled"
)

// enablement is one remote-schedule pair set on a resource group.
type enablement struct {
	remote, schedule string
	enabled          bool
}

// enablementsOf lists the pairs set on rg, enabled or disabled, in prop order.
func enablementsOf(rg *resourceGroup) []enablement {
	var out []enablement
	for _, k := range sortedKeys(rg.Props) {
		rest, ok := strings.CutPrefix(k, schedNamespace)
		if !ok {
			continue
		}
		rest, ok = strings.CutSuffix(rest, schedEnabled)
		parts := strings.Split(rest, "/")
		if ok && len(parts) == 2 {
			out = append(out, enablement{remote: parts[0], schedule: parts[1], enabled: rg.Props[k] == "true"})
		}
	}
	return out
}

// backupScheduleIn is BackupSchedule.
type backupScheduleIn struct {
	RscName        string            `json:"rsc_name"`
	GrpName        string            `json:"grp_name"`
	NodeName       string            `json:"node_name"`
	DstStorPool    string            `json:"dst_stor_pool"`
	StorPoolRename map[string]string `json:"stor_pool_rename"`
	ForceRestore   bool              `json:"force_restore"`
	DstRscGrp      string            `json:"dst_rsc_grp"`
	DstRscName     string            `json:"dst_rsc_name"`
	ForceMvRscGrp  bool              `json:"force_mv_rsc_grp"`
}

func enableKey(rg, remote, sched string) string {
	return key(rg) + "/" + key(remote) + "/" + key(sched)
}

// loadPair loads the remote and schedule of an enablement call.
func (s *Server) loadPair(remoteArg, schedArg string) (*remote, *schedule, error) {
	r, err := s.loadRemote(remoteArg)
	if err != nil {
		return nil, nil, err
	}
	sc, err := s.loadSchedule(schedArg)
	return r, sc, err
}

func handleScheduleEnable(s *Server, req *request) reply  { return s.setSchedule(req, true) }
func handleScheduleDisable(s *Server, req *request) reply { return s.setSchedule(req, false) }

// setSchedule is CtrlScheduleBackupsApiCallHandler.setScheduleInTransaction
// for a resource group: Schedule/<remote>/<schedule>/Enabled on the group.
// Emulation gap: only grp_name is supported (no rsc_name, no
// controller-wide enablement).
func (s *Server) setSchedule(req *request, add bool) reply {
	remoteArg, schedArg := req.params[0], req.params[1]
	c := scheduleCtx(schedArg)
	var in backupScheduleIn
	if err := decodeBody(req.body, &in, "BackupSchedule"); err != nil {
		return s.fixedReply(http.StatusBadRequest, errorEntries(err))
	}
	r, sc, err := s.loadPair(remoteArg, schedArg)
	if err != nil {
		return s.respond(http.StatusOK, c, nil, err)
	}
	if in.GrpName == "" {
		return s.respond(http.StatusOK, c, nil, fail(failUnknownError, "The emulator enables schedules only for a resource group (grp_name)."))
	}
	rg, err := s.loadRG(in.GrpName)
	if err != nil {
		return s.respond(http.StatusOK, c, nil, err)
	}
	if rg.Props == nil {
		rg.Props = map[string]string{}
	}
	rg.Props[schedNamespace+r.Name+"/"+sc.Name+schedEnabled] = fmt.Sprint(add)
	if in.NodeName != "" {
		rg.Props[schedNamespace+r.Name+"/"+sc.Name+"/PrefNode"] = in.NodeName
	}
	k := enableKey(rg.Name, r.Name, sc.Name)
	if s.st.EnabledSince == nil {
		s.st.EnabledSince = map[string]int64{}
	}
	if _, on := s.st.EnabledSince[k]; add && !on {
		s.st.EnabledSince[k] = s.now().UnixMilli()
	} else if !add {
		delete(s.st.EnabledSince, k)
	}
	verb := map[bool]string{true: "enabled", false: "disabled"}[add]
	return s.rcReply(http.StatusOK, []apiCallRc{c.add(apiCallRc{RetCode: rcModified,
		Message: fmt.Sprintf("Backup shipping schedule '%s' sucessfully %s for resource group '%s' to remote '%s'.", sc.Name, verb, rg.Name, r.Name)}, false)})
}

// handleScheduleDelete is DELETE …/schedule/{s}/delete?rsc_grp_name=:
// removes the pair's props from the group.
func handleScheduleDelete(s *Server, req *request) reply {
	remoteArg, schedArg := req.params[0], req.params[1]
	c := scheduleCtx(schedArg)
	r, sc, err := s.loadPair(remoteArg, schedArg)
	if err != nil {
		return s.respond(http.StatusOK, c, nil, err)
	}
	rg, err := s.loadRG(first(req.query["rsc_grp_name"]))
	if err != nil {
		return s.respond(http.StatusOK, c, nil, err)
	}
	prefix := schedNamespace + r.Name + "/" + sc.Name + "/"
	for k := range rg.Props {
		if k == prefix+"Enabled" || k == prefix+"PrefNode" {
			delete(rg.Props, k)
		}
	}
	delete(s.st.EnabledSince, enableKey(rg.Name, r.Name, sc.Name))
	return s.rcReply(http.StatusOK, []apiCallRc{c.add(apiCallRc{RetCode: rcDeleted,
		Message: fmt.Sprintf("Backup shipping schedule '%s' sucessfully deleted for resource group '%s' to remote '%s'.", sc.Name, rg.Name, r.Name)}, false)})
}

// backupOut is Backup as GET /v1/remotes/{remote}/backups lists it.
type backupOut struct {
	ID             string         `json:"id"`
	StartTime      string         `json:"start_time"`
	StartTimestamp int64          `json:"start_timestamp"`
	FinishedTime   string         `json:"finished_time"`
	FinishedTs     int64          `json:"finished_timestamp"`
	OriginRsc      string         `json:"origin_rsc"`
	OriginSnap     string         `json:"origin_snap"`
	Vlms           []backupVolume `json:"vlms"`
	Success        bool           `json:"success"`
	Restorable     bool           `json:"restorable"`
	BasedOnID      string         `json:"based_on_id,omitempty"`
}

// backupVolume is BackupVolumes.
type backupVolume struct {
	VlmNr int64 `json:"vlm_nr"`
}

// maxBackups bounds how many shipments one listing computes per resource.
const maxBackups = 5000

// handleBackupList is GET /v1/remotes/{remote}/backups: the backups the
// enabled schedules shipped to the remote, computed from the controller's
// clock: from the moment a schedule was enabled on a resource group until
// now, every resource definition of the group with resources is shipped at
// each full_cron time (a full backup) and each inc_cron time (an
// incremental one based on the previous), and only the newest keep_remote
// full backups (with their incrementals) are kept.
func handleBackupList(s *Server, req *request) reply {
	r, err := s.loadRemote(req.params[0])
	if err != nil {
		return s.respond(http.StatusOK, remoteCtx(req.params[0]), nil, err)
	}
	out := map[string]backupOut{}
	now := s.now().UTC()
	for _, k := range sortedKeys(s.st.ResourceGroups) {
		rg := s.st.ResourceGroups[k]
		for _, e := range enablementsOf(rg) {
			sc := s.st.Schedules[key(e.schedule)]
			since, on := s.st.EnabledSince[enableKey(rg.Name, e.remote, e.schedule)]
			if !e.enabled || !on || sc == nil || key(e.remote) != key(r.Name) {
				continue
			}
			for _, rd := range s.st.defsOf(k) {
				if len(rd.Resources) == 0 || !wanted(req, rd.Name) {
					continue
				}
				for _, b := range shipments(sc, rd, time.UnixMilli(since).UTC(), now) {
					out[b.ID] = b
				}
			}
		}
	}
	return okJSON(map[string]any{"linstor": out})
}

func wanted(req *request, rsc string) bool {
	want := first(req.query["rsc_name"])
	return want == "" || key(want) == key(rsc)
}

// shipments are the backups of rsc that sc produced between since and now.
func shipments(sc *schedule, rd *resourceDefinition, since, now time.Time) []backupOut {
	rsc := rd.Name
	vlms := make([]backupVolume, 0, len(rd.Volumes))
	for _, v := range rd.Volumes {
		vlms = append(vlms, backupVolume{VlmNr: int64(v.Number)})
	}
	full, _ := cron.Parse(sc.FullCron)
	var inc *cron.Expr
	if sc.IncCron != "" {
		if e, err := cron.Parse(sc.IncCron); err == nil {
			inc = &e
		}
	}
	var chains [][]backupOut
	t := since
	for range maxBackups {
		next, isFull := full.Next(t), true
		if inc != nil {
			if n := inc.Next(t); !n.IsZero() && (next.IsZero() || n.Before(next)) {
				next, isFull = n, false
			}
		}
		if next.IsZero() || next.After(now) {
			break
		}
		t = next
		if !isFull && len(chains) == 0 {
			continue // an incremental needs a full backup to build on
		}
		snap := "back_" + next.Format("20060102_150405")
		b := backupOut{ID: rsc + "_" + snap, StartTime: next.Format(time.RFC3339), StartTimestamp: next.UnixMilli(),
			FinishedTime: next.Format(time.RFC3339), FinishedTs: next.UnixMilli(), OriginRsc: rsc, OriginSnap: snap,
			Vlms: vlms, Success: true, Restorable: true}
		if isFull {
			chains = append(chains, []backupOut{b})
			continue
		}
		last := chains[len(chains)-1]
		b.BasedOnID = last[len(last)-1].ID
		chains[len(chains)-1] = append(last, b)
	}
	if sc.KeepRemote != nil && *sc.KeepRemote > 0 && len(chains) > int(*sc.KeepRemote) {
		chains = chains[len(chains)-int(*sc.KeepRemote):]
	}
	var out []backupOut
	for _, c := range chains {
		out = append(out, c...)
	}
	return out
}
