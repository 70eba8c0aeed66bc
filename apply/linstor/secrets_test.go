package linstor

import (
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

const (
	plantedPassword = "planted-password-7f3a9c"
	plantedToken    = "planted-bearer-token-51de07"
	plantedURLPass  = "planted-url-pass-0b2e"
)

// captureStderr runs f with os.Stderr redirected and returns what was written.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		data, _ := io.ReadAll(r)
		done <- string(data)
	}()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	os.Stderr = old
	return <-done
}

// TestCredentialsNeverAppear plants a password and a token, runs reads,
// applies, refusals and failures, and finds neither in any error or on
// stderr, while the controller did receive them.
func TestCredentialsNeverAppear(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		env          map[string]string
	}{
		{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:"+plantedPassword)),
			map[string]string{"LS_USERNAME": "ops", "LS_PASSWORD": plantedPassword}},
		{"bearer", "Bearer " + plantedToken,
			map[string]string{"LS_USERNAME": "ops", "LS_PASSWORD": plantedPassword, "LS_BEARER_TOKEN": plantedToken}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			var errs []string
			out := captureStderr(t, func() { errs = exercise(t, c, tc.env) })
			for _, e := range errs {
				t.Log(e)
			}
			for _, s := range append(errs, out) {
				for _, secret := range []string{plantedPassword, plantedToken, plantedURLPass, base64.StdEncoding.EncodeToString([]byte("ops:" + plantedPassword))} {
					if strings.Contains(s, secret) {
						t.Errorf("a credential appears in %q", s)
					}
				}
			}
			if out != "" {
				t.Errorf("the driver wrote to stderr: %q", out)
			}
			if len(errs) < 5 {
				t.Fatalf("only %d failures exercised", len(errs))
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.auth) == 0 || c.auth[0] != tc.header {
				t.Errorf("the controller received Authorization %q, want %q", c.auth[:min(1, len(c.auth))], tc.header)
			}
		})
	}
}

// exercise runs successes and failures with the given variables and returns the errors.
func exercise(t *testing.T, c *cluster, env map[string]string) []string {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	d := c.driver(t, "sandbox", func(cfg *Config) { cfg.Getenv = getenv })
	want := desired(t, "sandbox")
	converge(t, d, want)
	spawn(t, c, "standard", 1, 1<<20, 1<<20)
	var errs []string
	note := func(err error) {
		if err == nil {
			t.Errorf("expected a failure")
			return
		}
		errs = append(errs, err.Error())
	}
	note(d.Apply(ctx, apply.Change{Ref: ref("standard"), Action: apply.Delete}, artifact.Object{}))
	bad := edit(t, want, "fast", func(g *cl.Group) { g.Props["DrbdOptions/Net/protocol"] = "Z" })
	note(d.Apply(ctx, apply.Change{Ref: ref("fast"), Action: apply.Update}, find(bad, "fast")))
	note(d.Apply(ctx, apply.Change{Ref: ref("gone"), Action: apply.Update}, renamed(t, find(want, "fast"), "gone")))
	l := apply.Lock{Env: "sandbox", Holder: "a", ID: "a", Acquired: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := d.Lock(ctx, l, false); err != nil {
		t.Fatal(err)
	}
	note(d.Lock(ctx, apply.Lock{Env: "sandbox", Holder: "b", ID: "b"}, false))
	down := c.driver(t, "sandbox", func(cfg *Config) {
		cfg.Getenv = getenv
		cfg.Controllers = []string{strings.Replace(refusedURL(t), "http://", "http://ops:"+plantedURLPass+"@", 1), refusedURL(t)}
		cfg.Retry.MaxTries = 2
	})
	_, err := down.Read(ctx, want)
	note(err)
	_, err = New(Config{Env: "x", Controllers: []string{"http://ops:" + plantedURLPass + "@ctrl:%zz"}, Getenv: getenv})
	note(err)
	_, err = New(Config{Env: "x", Controllers: []string{"ctrl"}, Getenv: func(k string) string {
		return map[string]string{"LS_USER_CERTIFICATE": "-----BEGIN CERTIFICATE-----\n" + plantedPassword, "LS_USER_KEY": plantedToken}[k]
	}})
	note(err)
	return errs
}

// renamed is o under another name, as if compiled so.
func renamed(t *testing.T, o artifact.Object, name string) artifact.Object {
	t.Helper()
	out := edit(t, []artifact.Object{o}, o.Name, func(g *cl.Group) { g.Name = name })[0]
	out.Name = name
	out.Files[0].Path = filepath.ToSlash("linstor/resource-groups/" + name + ".json")
	return out
}

// TestProcessEnvironmentIsNotRead: golinstor's NewClient reads LS_* from
// the process environment; the driver overrides all of it, so only
// Config.Getenv supplies credentials.
func TestProcessEnvironmentIsNotRead(t *testing.T) {
	c := newCluster(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(plantedToken), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LS_USERNAME", "proc-user")
	t.Setenv("LS_PASSWORD", plantedPassword)
	t.Setenv("LS_BEARER_TOKEN_FILE", tokenFile)
	t.Setenv("LS_CONTROLLERS", refusedURL(t))
	d := c.driver(t, "sandbox")
	if _, err := d.Read(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.auth {
		if a != "" {
			t.Fatalf("credentials from the process environment were sent: %q", a)
		}
	}
}
