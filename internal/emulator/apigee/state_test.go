package apigee_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apigeev1 "google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/internal/emulator"
	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

func bundleFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestStatePersistsAcrossNew(t *testing.T) {
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "apigee.json")
	f := newFixture(t, emu.Config{StateFile: stateFile})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	f.mustImport("sandbox", "orders-v1", z)
	f.mustImport("sandbox", "orders-v1", z) // same bytes: one bundle file
	z2 := zipOf(t, validFiles("payments", "/payments"))
	f.mustImport("sandbox", "payments", z2)
	name := deployPath("sandbox", "prod", "orders-v1", 2)
	if _, err := f.svc.Organizations.Environments.Apis.Revisions.Deploy(name).Do(); err != nil {
		t.Fatal(err)
	}
	if states, _ := f.poll(name, 2); states[1] != "READY" {
		t.Fatalf("states %v", states)
	}
	if _, err := f.svc.Organizations.Apiproducts.Create(orgPath("sandbox"), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "p", DisplayName: "P", Proxies: []string{"orders-v1"}}).Do(); err != nil {
		t.Fatal(err)
	}
	kvms := f.svc.Organizations.Environments.Keyvaluemaps
	if _, err := kvms.Create(orgPath("sandbox")+"/environments/prod", &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "m"}).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := kvms.Entries.Create(orgPath("sandbox")+"/environments/prod/keyvaluemaps/m", entry("k", "v")).Do(); err != nil {
		t.Fatal(err)
	}
	bundles := filepath.Join(dir, "apigee-bundles")
	if got := bundleFiles(t, bundles); len(got) != 2 {
		t.Errorf("bundle files %v, want one per distinct bundle (2)", got)
	}

	g := newFixture(t, emu.Config{StateFile: stateFile})
	if !bytes.Equal(g.download("sandbox", "orders-v1", 1), z) || !bytes.Equal(g.download("sandbox", "payments", 1), z2) {
		t.Error("bundles differ after reload")
	}
	if rev := g.revision("sandbox", "orders-v1", 2); rev.Description != "lingate sha256:0123abcd" || rev.CreatedAt != 1_700_000_000_000 {
		t.Errorf("revision after reload = %+v", rev)
	}
	if states, _ := g.poll(name, 1); states[0] != "READY" {
		t.Errorf("deployment after reload: %v, want READY at once", states)
	}
	if p, err := g.svc.Organizations.Apiproducts.Get(orgPath("sandbox") + "/apiproducts/p").Do(); err != nil || p.Proxies[0] != "orders-v1" {
		t.Errorf("product after reload = %+v, %v", p, err)
	}
	if e, err := g.svc.Organizations.Environments.Keyvaluemaps.Entries.Get(orgPath("sandbox") + "/environments/prod/keyvaluemaps/m/entries/k").Do(); err != nil || e.Value != "v" {
		t.Errorf("entry after reload = %+v, %v", e, err)
	}

	// Deleting the last revision that uses a bundle removes its file.
	if _, err := g.svc.Organizations.Apis.Delete(orgPath("sandbox") + "/apis/payments").Do(); err != nil {
		t.Fatal(err)
	}
	if got := bundleFiles(t, bundles); len(got) != 1 {
		t.Errorf("bundle files after delete %v, want 1", got)
	}
	if err := g.emu.Save(); err != nil {
		t.Errorf("Save: %v", err)
	}
}

func TestStateFileProblems(t *testing.T) {
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "apigee.json")
	f := newFixture(t, emu.Config{StateFile: stateFile})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	blobs := bundleFiles(t, filepath.Join(dir, "apigee-bundles"))
	blob := filepath.Join(dir, "apigee-bundles", blobs[0])
	if err := os.WriteFile(blob, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.New(emu.Config{StateFile: stateFile}); err == nil || !strings.Contains(err.Error(), "does not match its hash") {
		t.Errorf("New with a tampered bundle: %v", err)
	}
	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.New(emu.Config{StateFile: stateFile}); err == nil || !strings.Contains(err.Error(), blobs[0][:64]) {
		t.Errorf("New with a missing bundle: %v", err)
	}
	other := filepath.Join(dir, "other.json")
	if err := os.WriteFile(other, []byte(`{"version": 99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.New(emu.Config{StateFile: other}); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("New with another version: %v", err)
	}
}

func TestMemoryOnlyWritesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	f := newFixture(t, emu.Config{})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	if err := f.emu.Save(); err != nil {
		t.Fatal(err)
	}
	if got := bundleFiles(t, dir); len(got) != 0 {
		t.Errorf("memory-only server wrote %v", got)
	}
}

func TestUnknownPathsAndOrganizations(t *testing.T) {
	f := newFixture(t, emu.Config{})
	for _, p := range []string{"organizations/sandbox/nothing", "organizations/sandbox/apis/a/b/c/d/e"} {
		code, body := f.do("GET", p, nil, "", nil)
		wantAPIError(t, code, body, http.StatusNotFound, "NOT_FOUND")
	}
	code, body := f.do("PATCH", "organizations/sandbox/apiproducts/x", nil, "", nil)
	wantAPIError(t, code, body, http.StatusNotFound, "NOT_FOUND")
	resp, err := f.srv.Client().Get(f.srv.URL + "/v2/organizations/sandbox")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("path outside /v1/: %d, want 404", resp.StatusCode)
	}

}

// declared is a Config with one organization of two environments in one
// group and a third environment of its own.
func declared(stateFile string) emu.Config {
	return emu.Config{StateFile: stateFile, Organizations: []emu.Organization{{
		Name: "acme", Environments: []string{"dev", "prod", "test"},
		EnvironmentGroups: map[string][]string{"public": {"dev", "test"}},
	}}}
}

// TestOnlyDeclaredOrganizationsAndEnvironmentsExist: what Config declares
// exists; any other organization or environment gets the real API's error,
// for reads and changes alike, and nothing is created.
func TestOnlyDeclaredOrganizationsAndEnvironmentsExist(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "apigee.json")
	f := newFixture(t, declared(stateFile))
	org, err := f.svc.Organizations.Get(orgPath("acme")).Do()
	if err != nil || org.Name != "acme" || strings.Join(org.Environments, ",") != "dev,prod,test" {
		t.Fatalf("organization = %+v, %v", org, err)
	}
	if env, err := f.svc.Organizations.Environments.Get(orgPath("acme") + "/environments/prod").Do(); err != nil || env.Name != "prod" {
		t.Fatalf("environment = %+v, %v", env, err)
	}
	f.mustImport("acme", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))

	_, err = f.svc.Organizations.Get(orgPath("acne")).Do()
	wantGoogleStatus(t, err, http.StatusForbidden, "PERMISSION_DENIED")
	_, err = f.svc.Organizations.Environments.Get(orgPath("acme") + "/environments/prd").Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
	_, err = f.svc.Organizations.Environments.Apis.Revisions.Deploy(deployPath("acme", "prd", "orders-v1", 1)).Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
	_, err = f.svc.Organizations.Apiproducts.Create(orgPath("acne"), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "p", DisplayName: "P"}).Do()
	wantGoogleStatus(t, err, http.StatusForbidden, "PERMISSION_DENIED")
	_, err = f.svc.Organizations.Environments.Keyvaluemaps.Create(orgPath("acme")+"/environments/prd", &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "m"}).Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
	code, body := f.importRaw("acne", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	wantAPIError(t, code, body, http.StatusForbidden, "PERMISSION_DENIED")

	list, err := f.svc.Organizations.List("organizations").Do()
	if err != nil || len(list.Organizations) != 1 || list.Organizations[0].Organization != "acme" {
		t.Errorf("organizations = %+v, %v", list, err)
	}
	code, body = f.do("GET", "organizations/acme/environments", nil, "", nil)
	if code != http.StatusOK || string(body) != `["dev","prod","test"]` {
		t.Errorf("environments list: %d %s", code, body)
	}
	groups, err := f.svc.Organizations.Envgroups.List(orgPath("acme")).Do()
	if err != nil || len(groups.EnvironmentGroups) != 1 || groups.EnvironmentGroups[0].Name != "public" {
		t.Fatalf("environment groups = %+v, %v", groups, err)
	}
	att, err := f.svc.Organizations.Envgroups.Attachments.List(orgPath("acme") + "/envgroups/public").Do()
	if err != nil || len(att.EnvironmentGroupAttachments) != 2 || att.EnvironmentGroupAttachments[1].Environment != "test" {
		t.Fatalf("attachments = %+v, %v", att, err)
	}

	// A second server on the same state file, declaring nothing more,
	// finds the same organization and nothing else.
	g := newFixture(t, emu.Config{StateFile: stateFile, Organizations: []emu.Organization{}})
	_, err = g.svc.Organizations.Environments.Get(orgPath("acme") + "/environments/prd").Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
	if revs := g.revisionList("acme", "orders-v1"); len(revs) != 1 {
		t.Errorf("revisions after reload: %v", revs)
	}
}

// TestStatusReadsWriteNothing: polling a PROGRESSING deployment counts the
// poll without writing the state file; Save keeps the count, so a reloaded
// server goes on from there.
func TestStatusReadsWriteNothing(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "apigee.json")
	f := newFixture(t, emu.Config{StateFile: stateFile, ReadyAfter: 2})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	name := deployPath("sandbox", "prod", "orders-v1", 1)
	if _, err := f.svc.Organizations.Environments.Apis.Revisions.Deploy(name).Do(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	if states, _ := f.poll(name, 1); states[0] != "PROGRESSING" {
		t.Fatalf("states %v", states)
	}
	if after, _ := os.ReadFile(stateFile); !bytes.Equal(before, after) {
		t.Error("a GET of a deployment's status wrote the state file")
	}
	if err := f.emu.Save(); err != nil {
		t.Fatal(err)
	}
	g := newFixture(t, emu.Config{StateFile: stateFile, ReadyAfter: 2})
	if states, _ := g.poll(name, 2); strings.Join(states, ",") != "PROGRESSING,READY" {
		t.Errorf("after Save and reload: %v, want one more PROGRESSING, then READY", states)
	}
}

// TestReadsNeverCreate: an open emulator (no organizations declared)
// creates what a change names, but a read of an unknown organization or
// environment answers the API's error and writes nothing.
func TestReadsNeverCreate(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "apigee.json")
	f := newFixture(t, emu.Config{StateFile: stateFile})
	_, err := f.svc.Organizations.Get(orgPath("any-org")).Do()
	wantGoogleStatus(t, err, http.StatusForbidden, "PERMISSION_DENIED")
	for _, p := range []string{"organizations/any-org/apiproducts", "organizations/any-org/environments/staging/deployments", "organizations/any-org/deployments"} {
		if code, body := f.do("GET", p, nil, "", nil); code != http.StatusOK || string(body) != "{}" {
			t.Errorf("GET %s in an open emulator: %d %s, want an empty list", p, code, body)
		}
	}
	if _, err := os.Stat(stateFile); !os.IsNotExist(err) {
		t.Errorf("a read wrote the state file: %v", err)
	}
	kvms := f.svc.Organizations.Environments.Keyvaluemaps
	if _, err := kvms.Create(orgPath("any-org")+"/environments/staging", &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "m"}).Do(); err != nil {
		t.Fatal(err)
	}
	env, err := f.svc.Organizations.Environments.Get(orgPath("any-org") + "/environments/staging").Do()
	if err != nil || env.Name != "staging" {
		t.Fatalf("environment a change created = %+v, %v", env, err)
	}
	_, err = f.svc.Organizations.Environments.Get(orgPath("any-org") + "/environments/other").Do()
	wantGoogleStatus(t, err, http.StatusNotFound, "NOT_FOUND")
	org, err := f.svc.Organizations.Get(orgPath("any-org")).Do()
	if err != nil || strings.Join(org.Environments, ",") != "staging" {
		t.Errorf("organization environments = %v, %v", org.Environments, err)
	}
}

// The server runs behind the shared middleware: faults reach the client as
// plain HTTP failures and the request log sees every call.
func TestBehindSharedMiddleware(t *testing.T) {
	s, err := emu.New(emu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	log := &emulator.RequestLog{}
	srv := httptest.NewServer(emulator.Wrap(s, emulator.Options{Log: log}))
	t.Cleanup(srv.Close)
	svc := googleClient(t, srv)
	if _, err := svc.Organizations.Apiproducts.Create(orgPath("sandbox"), &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: "p", DisplayName: "P"}).Do(); err != nil {
		t.Fatal(err)
	}
	entries := log.Entries()
	if len(entries) != 1 || entries[0].Method != "POST" || entries[0].Path != "/v1/organizations/sandbox/apiproducts" || entries[0].Status != http.StatusOK {
		t.Errorf("log = %v", entries)
	}

	faulty := httptest.NewServer(emulator.Wrap(s, emulator.Options{FaultRate: 1, Seed: 1}))
	t.Cleanup(faulty.Close)
	if _, err := googleClient(t, faulty).Organizations.Apiproducts.Get(orgPath("sandbox") + "/apiproducts/p").Do(); err == nil {
		t.Error("a call with FaultRate 1 succeeded")
	}
}

// A call whose change cannot be saved fails and leaves nothing behind, in
// memory or on disk: a client that retries a failed import must not find
// the revision of the failed attempt.
func TestSaveFailureRollsBack(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	f := newFixture(t, emu.Config{StateFile: filepath.Join(stateDir, "apigee.json")})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	f.mustImport("sandbox", "orders-v1", z)
	moved := filepath.Join(dir, "moved")
	if err := os.Rename(stateDir, moved); err != nil {
		t.Fatal(err)
	}
	// A file where the state folder was makes every save fail.
	if err := os.WriteFile(stateDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body := f.importRaw("sandbox", "orders-v1", z)
	wantAPIError(t, code, body, http.StatusInternalServerError, "INTERNAL")
	if revs := f.revisionList("sandbox", "orders-v1"); len(revs) != 1 {
		t.Errorf("revisions after a failed save: %v, want [1]", revs)
	}
	if err := os.Remove(stateDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(moved, stateDir); err != nil {
		t.Fatal(err)
	}
	if rev := f.mustImport("sandbox", "orders-v1", z); rev.Revision != "2" {
		t.Errorf("next import after the failed one: revision %s, want 2", rev.Revision)
	}
}
