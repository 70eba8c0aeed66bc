package apigee

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	apigeeemu "github.com/lingate/lingate/internal/emulator/apigee"
)

const plantedToken = "ya29.PLANTED-SECRET-TOKEN-0123456789"

// TestTokenNeverInErrors drives failures of every kind with a token in
// APIGEE_ACCESS_TOKEN: the token is sent, and appears in no error, even
// when the server echoes it in its error details.
func TestTokenNeverInErrors(t *testing.T) {
	srv, err := apigeeemu.New(apigeeemu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "Bearer "+plantedToken {
			sent++
		}
		switch {
		case strings.Contains(r.URL.Path, "/apis/echo"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
				"code": 403, "message": "permission denied", "status": "PERMISSION_DENIED",
				"details": []any{map[string]any{"@type": "debug", "header": auth}},
			}})
		case strings.Contains(r.URL.Path, "/apis/drop"):
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		default:
			srv.ServeHTTP(w, r)
		}
	}))
	defer hs.Close()
	getenv := func(k string) string {
		if k == TokenVariable {
			return plantedToken
		}
		return ""
	}
	hc, err := HTTPClientFromEnv(context.Background(), getenv, hs.Client().Transport)
	if err != nil {
		t.Fatal(err)
	}
	d := driver(t, hs, func(c *Config) { c.HTTPClient = hc })
	desired := example(t)
	product := find(t, desired, artifact.KindProduct, "orders")
	proxy := find(t, desired, artifact.KindProxy, "orders")
	broken := proxy
	broken.Files = []artifact.File{{Path: "apigee/proxies/orders/apiproxy/orders.xml", Data: []byte("<APIProxy")}}
	var errs []error
	errs = append(errs,
		d.Apply(context.Background(), change(product, apply.Create), product), // its proxy does not exist
		d.Apply(context.Background(), change(broken, apply.Create), broken),   // bad bundle
		d.deleteProxy(context.Background(), "echo"),
		d.deleteProxy(context.Background(), "drop"),
	)
	for i, err := range errs {
		if err == nil {
			t.Errorf("failure %d did not fail", i)
			continue
		}
		if strings.Contains(err.Error(), "PLANTED") {
			t.Errorf("error shows the token: %v", err)
		}
	}
	if _, err := d.Read(context.Background(), []artifact.Object{proxy}); err != nil {
		t.Fatalf("read through the authenticating client: %v", err)
	}
	if sent == 0 {
		t.Fatal("the token was never sent")
	}
	mustContain(t, "error", errs[2].Error(), "HTTP 403: permission denied")
	mustContain(t, "bad bundle error", errs[1].Error(), "bundle contains errors: apiproxy/orders.xml: ")
}

// TestNoCredentials: without a token or Application Default Credentials
// the error says what to set.
func TestNoCredentials(t *testing.T) {
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", t.TempDir()+"/missing.json")
	_, err := HTTPClientFromEnv(context.Background(), func(string) string { return "" }, nil)
	if err == nil {
		t.Fatal("no credentials, no error")
	}
	mustContain(t, "error", err.Error(), TokenVariable, "GOOGLE_APPLICATION_CREDENTIALS")
}

// TestNewRefusesBadConfig: New names what is wrong with its Config.
func TestNewRefusesBadConfig(t *testing.T) {
	good := Config{Env: "prod", Organization: "acme", Environment: "prod"}
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Organization = "" }, "organization and environment are required"},
		{func(c *Config) { c.Endpoint = "apigee.googleapis.com" }, `endpoint "apigee.googleapis.com/": expected an http(s) URL`},
		{func(c *Config) { c.Commit = "abc]" }, `commit "abc]"`},
	} {
		cfg := good
		c.edit(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "environment prod") {
			t.Errorf("%+v: %v; want an error saying %q", cfg, err, c.want)
		}
	}
	if _, err := New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
}
