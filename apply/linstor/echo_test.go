package linstor

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lingate/lingate/apply"
)

// TestErrorBodiesEchoingCredentialsAreRedacted: a gateway in front of the
// controller that answers with the request's headers in its error page
// (as debugging proxies and some ingress error pages do) must not bring
// the token or password into lingate's errors.
func TestErrorBodiesEchoingCredentialsAreRedacted(t *testing.T) {
	clearEnv(t)
	for _, status := range []int{http.StatusBadGateway, http.StatusForbidden, http.StatusBadRequest} {
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			var b strings.Builder
			b.WriteString("gateway error; request was:\n")
			_ = r.Header.Write(&b)
			w.Write([]byte(b.String()))
		}))
		for _, env := range []map[string]string{
			{"LS_BEARER_TOKEN": plantedToken},
			{"LS_USERNAME": "ops", "LS_PASSWORD": plantedPassword},
		} {
			d, err := New(Config{Env: "sandbox", Controllers: []string{echo.URL}, Getenv: func(k string) string { return env[k] },
				Retry: apply.RetryPolicy{MaxTries: 2, Initial: 1, MaxInterval: 2}})
			if err != nil {
				t.Fatal(err)
			}
			want := desired(t, "sandbox")
			_, rerr := d.Read(context.Background(), want)
			aerr := d.Apply(context.Background(), apply.Change{Ref: ref(want[0].Name), Action: apply.Create}, want[0])
			for _, err := range []error{rerr, aerr} {
				msg := errString(err)
				if err == nil {
					t.Fatalf("status %d: no error", status)
				}
				for _, secret := range []string{plantedToken, plantedPassword, base64.StdEncoding.EncodeToString([]byte("ops:" + plantedPassword))} {
					if strings.Contains(msg, secret) {
						t.Errorf("status %d: error carries a credential: %s", status, msg)
					}
				}
			}
		}
		echo.Close()
	}
}

// TestRedactBeforeShortening: a credential cut by the 200-byte limit of a
// quoted answer is still redacted (redaction comes first).
func TestRedactBeforeShortening(t *testing.T) {
	cr := credentials{token: plantedToken}
	body := strings.Repeat("x", 185) + " token " + plantedToken
	if got := short([]byte(cr.redact(body))); strings.Contains(got, plantedToken[:8]) {
		t.Fatalf("a cut credential survives: %q", got)
	}
}
