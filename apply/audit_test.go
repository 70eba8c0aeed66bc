package apply

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAuditRecordResults(t *testing.T) {
	c := Change{Ref: Ref{Env: "prod", System: "apigee", Kind: "proxy", Name: "orders"}, Action: Create}
	doc := NewDocument(Source{Head: "abc123"}, ChangeSet{Changes: []Change{c}})
	at := time.Date(2026, 12, 1, 23, 59, 0, 0, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		res  Result
		err  error
		want string
	}{
		{Result{Outcomes: []Outcome{{Change: c, Status: Applied}}}, nil, ResultApplied},
		{Result{Outcomes: []Outcome{{Change: c, Status: Failed, Error: "deploy: HTTP 400"}}}, nil, ResultFailed},
		{Result{}, nil, ResultNoChanges},
		{Result{}, errors.New("locked"), ResultFailed},
	} {
		r := NewAuditRecord(at, "me@host", doc, []string{"prod"}, tc.res, tc.err)
		if r.Result != tc.want || r.Commit != "abc123" || r.PlanDigest != DocumentDigest(doc) || len(r.PlanDigest) != 64 {
			t.Errorf("record %+v: result %s, want %s", r, r.Result, tc.want)
		}
	}
}

func TestAppendAuditOneLinePerApply(t *testing.T) {
	root := t.TempDir()
	at := time.Date(2026, 12, 2, 1, 30, 0, 0, time.FixedZone("east", 2*3600)) // 1 December, 23:30 UTC
	for range 2 {
		if err := AppendAudit(root, NewAuditRecord(at, "me@host", NewDocument(Source{}, ChangeSet{}), nil, Result{}, nil)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, ".lingate", "audit", "2026-12-01.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), data)
	}
	var r AuditRecord
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || r.Who != "me@host" || r.Result != ResultNoChanges {
		t.Errorf("line %s: %+v, %v", lines[1], r, err)
	}
}

func TestWho(t *testing.T) {
	env := map[string]string{"GITHUB_ACTOR": "octocat", "GITHUB_RUN_ID": "42"}
	if got := Who(func(k string) string { return env[k] }); got != "github:octocat (run 42)" {
		t.Errorf("Who in Actions = %q", got)
	}
	if got := Who(func(string) string { return "" }); !strings.Contains(got, "@") {
		t.Errorf("Who = %q, want user@host", got)
	}
}
