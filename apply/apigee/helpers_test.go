package apigee

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	compiled "github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
	emulator "github.com/lingate/lingate/internal/emulator/apigee"
	"github.com/lingate/lingate/schema"
)

const (
	testOrg = "lingate-sandbox"
	testEnv = "sandbox"
)

var fastRetry = apply.RetryPolicy{MaxTries: 5, Initial: time.Millisecond, MaxInterval: 5 * time.Millisecond}

// emulated serves a fresh Apigee emulator over loopback HTTP.
func emulated(t *testing.T, cfg emulator.Config) *httptest.Server {
	t.Helper()
	srv, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs
}

// driver is a Driver for the sandbox environment of hs, with short waits;
// edit changes its Config first.
func driver(t *testing.T, hs *httptest.Server, edit ...func(*Config)) *Driver {
	t.Helper()
	cfg := Config{
		Env: testEnv, Endpoint: hs.URL, Organization: testOrg, Environment: testEnv,
		Commit: "0123456789abcdef0123456789abcdef01234567", HTTPClient: hs.Client(),
		DeployTimeout: 2 * time.Second, PollInterval: 2 * time.Millisecond, Retry: fastRetry,
	}
	for _, e := range edit {
		e(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seedTargetServers(t, d)
	return d
}

// seedTargetServers creates in d's environment the TargetServers the
// example's bundles name, which Apigee wants to exist at deploy time; an
// emulator without the TargetServer API (404) needs none.
func seedTargetServers(t *testing.T, d *Driver) {
	t.Helper()
	for _, name := range targetServers(example(t)...) {
		ts := &apigee.GoogleCloudApigeeV1TargetServer{Name: name, Host: "backend.example.com", Port: 443}
		_, err := apply.Retry(context.Background(), d.cfg.Retry, func() (struct{}, error) {
			_, err := d.svc.Organizations.Environments.Targetservers.Create(d.env, ts).Context(context.Background()).Do()
			if isStatus(err, http.StatusNotFound) || isStatus(err, http.StatusConflict) {
				return struct{}{}, nil
			}
			return struct{}{}, apiError(err)
		})
		if err != nil {
			t.Fatalf("target server %s: %v", name, err)
		}
	}
}

// example compiles the Apigee objects of the example policies for sandbox.
func example(t *testing.T) []artifact.Object {
	t.Helper()
	return exampleFor(t, examplePolicies(t), testEnv)
}

// examplePolicies loads the example policies.
func examplePolicies(t *testing.T) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(filepath.Join("..", "..")), "policies")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// exampleFor compiles the Apigee objects of cfg for env.
func exampleFor(t *testing.T, cfg *schema.Config, env string) []artifact.Object {
	t.Helper()
	set, err := compile.Compile(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	var out []artifact.Object
	for _, o := range set.Objects {
		if o.System == artifact.SystemApigee {
			out = append(out, o)
		}
	}
	if len(out) < 4 {
		t.Fatalf("example compiles %d Apigee objects; want proxies and products", len(out))
	}
	return out
}

// find returns the object of kind and name in objs.
func find(t *testing.T, objs []artifact.Object, kind, name string) artifact.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return artifact.Object{}
}

// applyAll applies objs (in compile's order: proxies, then products).
func applyAll(t *testing.T, d *Driver, action apply.Action, objs ...artifact.Object) {
	t.Helper()
	for _, o := range objs {
		c := apply.Change{Ref: apply.Ref{Env: testEnv, System: o.System, Kind: o.Kind, Name: o.Name}, Action: action}
		if err := d.Apply(context.Background(), c, o); err != nil {
			t.Fatalf("%s %s: %v", action, o.Name, err)
		}
	}
}

// plan reads live and compares it with desired, as a live plan does.
func plan(t *testing.T, d *Driver, desired []artifact.Object) (apply.Live, apply.ChangeSet) {
	t.Helper()
	live, err := d.Read(context.Background(), desired)
	if err != nil {
		t.Fatal(err)
	}
	return live, apply.Compare([]apply.Pair{{Env: testEnv, Base: live.Objects, Head: desired, Unhealthy: live.Unhealthy}})
}

// editProxy returns o with the text replaced in its bundle files and the
// zip rebuilt, as compile would have written it.
func editProxy(t *testing.T, o artifact.Object, old, new string) artifact.Object {
	t.Helper()
	files, err := bundleFiles(o)
	if err != nil {
		t.Fatal(err)
	}
	hit := false
	for i := range files {
		if bytes.Contains(files[i].Data, []byte(old)) {
			files[i].Data = bytes.ReplaceAll(files[i].Data, []byte(old), []byte(new))
			hit = true
		}
	}
	if !hit {
		t.Fatalf("proxy %s holds no %q", o.Name, old)
	}
	out, err := proxyObject(o.Name, files)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// editProduct returns o with the text replaced in its JSON.
func editProduct(t *testing.T, o artifact.Object, old, new string) artifact.Object {
	t.Helper()
	if !bytes.Contains(o.Files[0].Data, []byte(old)) {
		t.Fatalf("product %s holds no %q", o.Name, old)
	}
	o.Files = []artifact.File{{Path: o.Files[0].Path, Data: bytes.ReplaceAll(o.Files[0].Data, []byte(old), []byte(new))}}
	return o
}

// revisionsOf lists the revisions of a proxy and whether each is lingate's.
func revisionsOf(t *testing.T, d *Driver, name string) map[int]bool {
	t.Helper()
	revs := d.revisions(name)
	all, err := revs.all(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]bool{}
	for _, rev := range all {
		s, err := revs.stampOf(context.Background(), rev)
		if err != nil {
			t.Fatal(err)
		}
		out[rev] = s.ok
	}
	return out
}

// importRaw imports a zip as-is (a hand-made revision) and returns its number.
func importRaw(t *testing.T, d *Driver, name string, zip []byte) int {
	t.Helper()
	rev, err := d.revisions(name).importBundle(context.Background(), zip)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// deployRaw deploys a revision by hand and waits for it.
func deployRaw(t *testing.T, d *Driver, name string, rev int) {
	t.Helper()
	if err := d.deploy(context.Background(), name, rev); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(context.Background(), name, rev); err != nil {
		t.Fatal(err)
	}
}

// unstamped is the zip of o as compiled, with no lingate stamp.
func unstamped(t *testing.T, o artifact.Object) []byte {
	t.Helper()
	files, err := bundleFiles(o)
	if err != nil {
		t.Fatal(err)
	}
	zip, err := compiled.Zip(files)
	if err != nil {
		t.Fatal(err)
	}
	return zip
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not say %q:\n%s", what, sub, s)
		}
	}
}
