package github

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lingate/lingate/internal/github/githubtest"
)

func TestRateLimitedCallsAreRetried(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		srv := githubtest.New(githubtest.State{Token: testToken, Limited: 2, LimitStatus: status})
		t.Cleanup(srv.Close)
		var waits []time.Duration
		c, err := NewClient(ClientOptions{APIURL: srv.APIURL(), Token: testToken, Repository: "o/r",
			Retry: RetryOptions{Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpsertComment(context.Background(), 7, Marker("plan", ""), "plan"); err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		if n := len(srv.Requests()); n != 4 {
			t.Errorf("%d: %d requests, want 2 refused, the list and the create", status, n)
		}
		if len(waits) != 2 || waits[0] < time.Second || waits[0] > 5*time.Second {
			t.Errorf("%d: waited %v", status, waits)
		}
		if len(srv.State().Comments[7]) != 1 {
			t.Errorf("%d: comment not created after the retries", status)
		}
	}
}

func TestRateLimitRetriesRunOut(t *testing.T) {
	_, c := fake(t, githubtest.State{Limited: 10, LimitStatus: http.StatusTooManyRequests})
	_, err := c.UpsertComment(context.Background(), 7, Marker("plan", ""), "plan")
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("err = %v, want the 429 after the last attempt", err)
	}
}

func TestTokenIsSentNeverShown(t *testing.T) {
	srv := githubtest.New(githubtest.State{Token: "the-right-token"})
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientOptions{APIURL: srv.APIURL() + "/", Token: testToken, Repository: "o/r"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpsertComment(context.Background(), 7, Marker("plan", ""), "plan")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want 401", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the error shows the token: %v", err)
	}
	if got := srv.Auths(); len(got) != 1 || got[0] != "Bearer "+testToken {
		t.Errorf("Authorization headers %q", got)
	}
}

func TestAPIURL(t *testing.T) {
	for _, in := range []string{"https://api.github.com", "https://ghe.example/api/v3", "https://ghe.example/api/v3/"} {
		u, err := apiBase(in)
		if err != nil || !strings.HasSuffix(u.String(), "/") || !strings.HasPrefix(u.String(), strings.TrimSuffix(in, "/")) {
			t.Errorf("apiBase(%q) = %v, %v", in, u, err)
		}
	}
	for _, in := range []string{"ftp://x", "not a url", "https://"} {
		if _, err := apiBase(in); err == nil {
			t.Errorf("apiBase(%q) accepted", in)
		}
	}
	if _, err := NewClient(ClientOptions{Repository: "noslash"}); err == nil || !strings.Contains(err.Error(), "expected owner/name") {
		t.Errorf("repository without owner: %v", err)
	}
}

func TestWaitFor(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	tr := &rateLimitTransport{opts: RetryOptions{Now: func() time.Time { return now }}.withDefaults()}
	for _, tc := range []struct {
		status  int
		headers map[string]string
		wait    time.Duration
		limited bool
	}{
		{http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{http.StatusTooManyRequests, nil, time.Minute, true},
		{http.StatusForbidden, map[string]string{"Retry-After": "30"}, 30 * time.Second, true}, // secondary limit
		{http.StatusForbidden, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000010"}, 11 * time.Second, true},
		{http.StatusForbidden, map[string]string{"X-RateLimit-Remaining": "12"}, 0, false}, // a permission refusal
		{http.StatusNotFound, map[string]string{"Retry-After": "7"}, 0, false},
	} {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		for k, v := range tc.headers {
			resp.Header.Set(k, v)
		}
		if wait, limited := tr.waitFor(resp); wait != tc.wait || limited != tc.limited {
			t.Errorf("%d %v: wait %v limited %v, want %v %v", tc.status, tc.headers, wait, limited, tc.wait, tc.limited)
		}
	}
}

func TestAPIURLWithoutPrefix(t *testing.T) {
	// A server at its root, as a plain base URL names it.
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":1,"html_url":"https://github.example/c/1"}`)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientOptions{APIURL: srv.URL, Token: testToken, Repository: "o/r"})
	if err != nil {
		t.Fatal(err)
	}
	url, err := c.UpsertComment(context.Background(), 7, Marker("plan", ""), "plan")
	if err != nil || url != "https://github.example/c/1" {
		t.Fatalf("url %q err %v", url, err)
	}
	if strings.Join(paths, "; ") != "GET /repos/o/r/issues/7/comments; POST /repos/o/r/issues/7/comments" {
		t.Errorf("paths %q", paths)
	}
}
