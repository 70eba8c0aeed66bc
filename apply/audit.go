package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"
)

// AuditDir is where audit records are kept, beside the policies folder.
const AuditDir = ".lingate/audit"

// AuditRecord is one apply, as kept in the audit log (one JSON line per
// apply in AuditDir/<date>.jsonl) and printed by `apply --format json`.
type AuditRecord struct {
	Time time.Time `json:"time"`
	// Who is user@host, or github:<actor> in GitHub Actions.
	Who string `json:"who"`
	// Commit is the policies' commit applied; empty when not known.
	Commit string `json:"commit,omitempty"`
	// PlanDigest is the sha256 of the plan's JSON document.
	PlanDigest   string        `json:"plan_digest"`
	Environments []string      `json:"environments"`
	Changes      []AuditChange `json:"changes"`
	DurationMS   int64         `json:"duration_ms"`
	// Result is "applied", "failed", "no changes" or "cancelled".
	Result string `json:"result"`
	// Error says why the apply failed as a whole (a lock held by another,
	// a stale plan) or was cancelled.
	Error string `json:"error,omitempty"`
}

// AuditChange is one change and what became of it.
type AuditChange struct {
	Ref
	Action     Action `json:"action"`
	Status     Status `json:"status"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Audit results.
const (
	ResultApplied   = "applied"
	ResultFailed    = "failed"
	ResultNoChanges = "no changes"
	ResultCancelled = "cancelled"
)

// NewAuditRecord records an apply of the plan doc over envs that gave res
// (and err, when it failed as a whole).
func NewAuditRecord(at time.Time, who string, doc Document, envs []string, res Result, err error) AuditRecord {
	r := AuditRecord{Time: at.UTC(), Who: who, Commit: doc.Source.Head, PlanDigest: DocumentDigest(doc),
		Environments: envs, Changes: []AuditChange{}, DurationMS: res.Duration.Milliseconds(), Result: ResultApplied}
	if r.Environments == nil {
		r.Environments = []string{}
	}
	for _, o := range res.Outcomes {
		r.Changes = append(r.Changes, AuditChange{Ref: o.Change.Ref, Action: o.Change.Action, Status: o.Status,
			Error: o.Error, DurationMS: o.Duration.Milliseconds()})
	}
	switch {
	case err != nil:
		r.Result, r.Error = ResultFailed, err.Error()
	case res.Err() != nil:
		r.Result = ResultFailed
	case len(res.Outcomes) == 0:
		r.Result = ResultNoChanges
	}
	return r
}

// DocumentDigest is the hex sha256 of a plan document's JSON.
func DocumentDigest(doc Document) string {
	data, err := encode(doc)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// AppendAudit appends r as one JSON line to root/AuditDir/<date>.jsonl
// (UTC date of the record), creating the folder; one write per record, so
// concurrent applies do not interleave lines.
func AppendAudit(root string, r AuditRecord) error {
	dir := filepath.Join(root, filepath.FromSlash(AuditDir))
	path := filepath.Join(dir, r.Time.UTC().Format("2006-01-02")+".jsonl")
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit %s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("audit %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("audit %s: %w", path, err)
	}
	_, werr := f.Write(append(line, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	for _, e := range []error{werr, serr, cerr} {
		if e != nil {
			return fmt.Errorf("audit %s: %w", path, e)
		}
	}
	return nil
}

// Who names who applies: github:<actor> (run <id>) in GitHub Actions,
// else user@host.
func Who(getenv func(string) string) string {
	if actor := getenv("GITHUB_ACTOR"); actor != "" {
		if run := getenv("GITHUB_RUN_ID"); run != "" {
			return "github:" + actor + " (run " + run + ")"
		}
		return "github:" + actor
	}
	name := getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return name + "@" + host
}
