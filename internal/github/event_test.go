package github

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeEvent(t *testing.T, body string) string {
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadEvent(t *testing.T) {
	pr := writeEvent(t, `{"action":"opened","number":7,"pull_request":{"head":{"sha":"h","repo":{"full_name":"fork/r"}},"base":{"sha":"b","repo":{"full_name":"o/r"}}}}`)
	ev, err := ReadEvent(EventPullRequest, pr)
	if err != nil {
		t.Fatal(err)
	}
	if ev.PullRequest.Number != 7 || ev.PullRequest.Head.SHA != "h" || ev.PullRequest.Base.SHA != "b" || !ev.Fork() {
		t.Errorf("event %+v", ev.PullRequest)
	}
	push := writeEvent(t, `{"ref":"refs/heads/main","after":"a","repository":{"default_branch":"main"}}`)
	if ev, err := ReadEvent(EventPush, push); err != nil || !ev.OnDefaultBranch() {
		t.Errorf("push: %v %v", ev.OnDefaultBranch(), err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"pull_request_target", pr, "pull_request_target is refused"},
		{"", pr, "GITHUB_EVENT_NAME is not set"},
		{EventPullRequest, writeEvent(t, `{"pull_request":{"head":{"sha":"h"}}}`), "pull_request.head.sha and pull_request.base.sha"},
		{EventPush, writeEvent(t, `{"ref":"refs/heads/main"}`), "ref and after"},
		{EventPush, writeEvent(t, `not json`), "expected the JSON GitHub Actions writes"},
		{EventSchedule, "", "GITHUB_EVENT_PATH is not set"},
	} {
		if _, err := ReadEvent(tc.name, tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadEvent(%q): %v, want %q", tc.name, err, tc.want)
		}
	}
}
