package serve

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lingate/lingate/apply"
)

var (
	descApplyTime = prometheus.NewDesc("lingate_last_apply_timestamp_seconds",
		"When the last apply that included the environment ran (Unix time), from the audit log.", []string{"env"}, nil)
	descApplySuccess = prometheus.NewDesc("lingate_last_apply_success",
		"1 when the last apply that included the environment succeeded (applied or no changes), 0 when it failed.", []string{"env"}, nil)
	descApplyDuration = prometheus.NewDesc("lingate_last_apply_duration_seconds",
		"How long the last apply that included the environment took.", []string{"env"}, nil)
	descApplyChanges = prometheus.NewDesc("lingate_last_apply_changes",
		"Changes the last apply that included the environment made in it.", []string{"env"}, nil)
)

// emitLastApply reads back the newest audit record of each environment
// from root/.lingate/audit/ (the newest day's file that names it).
func emitLastApply(ch chan<- prometheus.Metric, root string, envs []string) {
	if root == "" {
		return
	}
	files, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(apply.AuditDir), "*.jsonl"))
	slices.Sort(files)
	last := map[string]apply.AuditRecord{}
	for i := len(files) - 1; i >= 0 && len(last) < len(envs); i-- {
		for env, r := range lastRecords(files[i]) {
			if _, ok := last[env]; !ok {
				last[env] = r
			}
		}
	}
	for _, env := range envs {
		r, ok := last[env]
		if !ok {
			continue
		}
		changes := 0
		for _, ch := range r.Changes {
			if ch.Env == env {
				changes++
			}
		}
		gauge(ch, descApplyTime, float64(r.Time.UnixNano())/1e9, env)
		gauge(ch, descApplySuccess, bit(r.Result != apply.ResultFailed), env)
		gauge(ch, descApplyDuration, float64(r.DurationMS)/1000, env)
		gauge(ch, descApplyChanges, float64(changes), env)
	}
}

// lastRecords is the last record per environment of one audit file;
// unreadable lines are skipped.
func lastRecords(path string) map[string]apply.AuditRecord {
	out := map[string]apply.AuditRecord{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var r apply.AuditRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		for _, env := range r.Environments {
			out[env] = r
		}
	}
	return out
}
