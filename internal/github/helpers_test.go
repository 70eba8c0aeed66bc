package github

import (
	"context"
	"testing"
	"time"

	"github.com/lingate/lingate/internal/github/githubtest"
)

const testToken = "ghs_testtoken0123456789"

// fake starts a fake GitHub holding st and a client for o/r on it.
func fake(t *testing.T, st githubtest.State) (*githubtest.Server, *Client) {
	t.Helper()
	st.Token = testToken
	srv := githubtest.New(st)
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientOptions{APIURL: srv.APIURL(), Token: testToken, Repository: "o/r",
		Retry: RetryOptions{Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}
