package placement

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testToken = "s3cret-placement-token"

func get(t testing.TB, h http.Handler, target, token string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: HTTP %d, body not JSON: %q", target, rec.Code, body)
	}
	return rec.Code, m, string(body)
}

// TestHandlerAnswers serves a lookup over loopback HTTP and checks the
// JSON fields against the view.
func TestHandlerAnswers(t *testing.T) {
	cl := newCluster(t, 5)
	v := cl.view(t)
	srv := httptest.NewServer(NewHandler(v, testToken))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+Path+"?env=sandbox&tier=gold&key=acct-42", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a Answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d, %v", resp.StatusCode, err)
	}
	want, _ := v.Lookup("sandbox", "gold", "acct-42")
	if a.Resource != want.Resource || a.Node != want.Node || strings.Join(a.Nodes, ",") != strings.Join(want.Nodes, ",") {
		t.Fatalf("served %+v, view says %+v", a, want)
	}
}

// TestHandlerRefusesBadInput: every bad request gets its 4xx and a message
// saying what was expected, none naming another tier.
func TestHandlerRefusesBadInput(t *testing.T) {
	cl := newCluster(t, 3)
	h := NewHandler(cl.view(t), testToken)
	ok := Path + "?env=sandbox&tier=gold&key=k"
	for _, tc := range []struct {
		name, target, token string
		status              int
		msg                 string
	}{
		{"no token", ok, "", 401, "bearer token"},
		{"wrong token", ok, "s3cret-placement-tokeN", 401, "bearer token"},
		{"prefix of the token", ok, "s3cret", 401, "bearer token"},
		{"unknown env", Path + "?env=prod&tier=gold&key=k", testToken, 404, "no placement for this environment and tier"},
		{"unknown tier", Path + "?env=sandbox&tier=platinum&key=k", testToken, 404, "no placement for this environment and tier"},
		{"empty key", Path + "?env=sandbox&tier=gold&key=", testToken, 400, "parameter key: expected exactly one non-empty value"},
		{"no key", Path + "?env=sandbox&tier=gold", testToken, 400, "parameter key"},
		{"two keys", ok + "&key=j", testToken, 400, "parameter key: expected exactly one"},
		{"huge key", Path + "?env=sandbox&tier=gold&key=" + strings.Repeat("x", MaxKey+1), testToken, 400, "257 bytes (expected at most 256)"},
		{"not UTF-8", Path + "?env=sandbox&tier=gold&key=%ff", testToken, 400, "expected UTF-8"},
		{"no env", Path + "?tier=gold&key=k", testToken, 400, "parameter env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, m, body := get(t, h, tc.target, tc.token)
			if status != tc.status || !strings.Contains(m["error"].(string), tc.msg) {
				t.Fatalf("HTTP %d %s (expected %d with %q)", status, body, tc.status, tc.msg)
			}
			if strings.Contains(body, "silver") || strings.Contains(body, "r-0") && status != 200 {
				t.Fatalf("the error reveals the view: %s", body)
			}
		})
	}
	req := httptest.NewRequest(http.MethodPost, ok, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: HTTP %d (expected 405)", rec.Code)
	}
}

// TestHandlerNoHealthyReplica: 503 naming the resource and saying why.
func TestHandlerNoHealthyReplica(t *testing.T) {
	v := NewView([]Tier{gold})
	h := NewHandler(v, testToken)
	target := Path + "?env=sandbox&tier=gold&key=k"
	if status, m, _ := get(t, h, target, testToken); status != 503 || !strings.Contains(m["error"].(string), "not read") {
		t.Fatalf("before a read: HTTP %d %v (expected 503, not read yet)", status, m)
	}
	if err := v.Set(gold, []Resource{{Name: "r1"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	status, m, body := get(t, h, target, testToken)
	if status != 503 || m["resource"] != "r1" || !strings.Contains(m["error"].(string), "no healthy replica") {
		t.Fatalf("no replica: HTTP %d %s", status, body)
	}
}

// TestLoadToken reads the token from a file before the environment, and
// refuses a short one without printing it.
func TestLoadToken(t *testing.T) {
	t.Setenv(TokenEnv, "from-the-environment-0123")
	if tok, err := LoadToken(""); err != nil || tok != "from-the-environment-0123" {
		t.Fatalf("env: %q, %v", tok, err)
	}
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("from-a-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := LoadToken(f); err != nil || tok != "from-a-file-0123456789" {
		t.Fatalf("file: %q, %v", tok, err)
	}
	t.Setenv(TokenEnv, "short")
	if _, err := LoadToken(""); err == nil || strings.Contains(err.Error(), "short") {
		t.Fatalf("short token: %v (expected an error without the token)", err)
	}
}

// FuzzHandler: any query and token gets a JSON answer with a 2xx, 4xx or
// 503 status, never a panic.
func FuzzHandler(f *testing.F) {
	v := NewView([]Tier{gold})
	if err := v.Set(gold, []Resource{{Name: "r1", Nodes: []string{"a", "b"}}, {Name: "r2"}}, time.Now()); err != nil {
		f.Fatal(err)
	}
	h := NewHandler(v, testToken)
	f.Add("env=sandbox&tier=gold&key=k", testToken)
	f.Add("env=sandbox&tier=gold&key=%ff&key=", "x")
	f.Add("env=&tier=&key="+strings.Repeat("z", 300), testToken)
	f.Fuzz(func(t *testing.T, query, token string) {
		req := httptest.NewRequest(http.MethodGet, Path, nil)
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 401, 404, 503:
		default:
			t.Fatalf("query %q: HTTP %d", query, rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("query %q: body %q is not JSON", query, rec.Body)
		}
		if rec.Code == 200 && token != testToken {
			t.Fatalf("answered without the token")
		}
		if _, err := url.ParseQuery(query); err == nil && rec.Code == 200 {
			q, _ := url.ParseQuery(query)
			if q.Get("env") != "sandbox" || q.Get("tier") != "gold" {
				t.Fatalf("query %q answered for another tier", query)
			}
		}
	})
}
