package apigee_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	apigeev1 "google.golang.org/api/apigee/v1"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestRevisionsListAsText: with eleven revisions the list is sorted as the
// real API sorts it, as text, so its last element is not the newest; only
// latestRevisionId is.
func TestRevisionsListAsText(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	for range 11 {
		f.mustImport("sandbox", "orders-v1", z)
	}
	p, err := f.svc.Organizations.Apis.Get(orgPath("sandbox") + "/apis/orders-v1").Do()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"}
	if !reflect.DeepEqual(p.Revision, want) || p.LatestRevisionId != "11" {
		t.Errorf("revisions %v latest %s, want %v latest 11", p.Revision, p.LatestRevisionId, want)
	}
	if revs := f.revisionList("sandbox", "orders-v1"); !reflect.DeepEqual(revs, want) {
		t.Errorf("revisions list %v, want %v", revs, want)
	}
}

func TestProxiesAndRevisionsWithGoogleClient(t *testing.T) {
	f := newFixture(t, emu.Config{})
	apis := f.svc.Organizations.Apis
	z1 := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	f.mustImport("sandbox", "orders-v1", z1)
	f.clock.Add(time.Minute)
	second := validFiles("orders-v1", "/orders/v1").with("apiproxy/orders-v1.xml",
		"<APIProxy name=\"orders-v1\"><Description>  spaced\n text </Description></APIProxy>")
	z2 := zipOf(t, second)
	f.mustImport("sandbox", "orders-v1", z2)
	f.mustImport("sandbox", "payments", zipOf(t, validFiles("payments", "/payments")))

	p, err := apis.Get(orgPath("sandbox") + "/apis/orders-v1").Do()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Revision, []string{"1", "2"}) || p.LatestRevisionId != "2" || p.MetaData.LastModifiedAt != 1_700_000_060_000 {
		t.Errorf("proxy = %+v %+v, want revisions 1,2 latest 2 modified at the second import", p, p.MetaData)
	}
	list, err := apis.List(orgPath("sandbox")).IncludeRevisions(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Proxies) != 2 || list.Proxies[0].Name != "orders-v1" || list.Proxies[1].Name != "payments" || list.Proxies[1].LatestRevisionId != "1" {
		t.Errorf("list = %+v", list.Proxies)
	}

	// Revisions.Get decodes into GoogleApiHttpBody, so metadata is read raw.
	rev := f.revision("sandbox", "orders-v1", 2)
	if rev.Description != "  spaced\n text " || rev.CreatedAt != 1_700_000_060_000 || rev.Revision != "2" {
		t.Errorf("revision 2 = %+v, want the description exactly as in the bundle", rev)
	}
	if !bytes.Equal(f.download("sandbox", "orders-v1", 1), z1) || !bytes.Equal(f.download("sandbox", "orders-v1", 2), z2) {
		t.Error("format=bundle does not answer the exact zip that was imported")
	}

	if _, err := apis.Revisions.Delete(orgPath("sandbox") + "/apis/orders-v1/revisions/1").Do(); err != nil {
		t.Fatal(err)
	}
	_, err = apis.Revisions.Get(orgPath("sandbox") + "/apis/orders-v1/revisions/1").Do()
	wantGoogleError(t, err, http.StatusNotFound, "revision 1 of API proxy orders-v1 does not exist")
	if revs := f.revisionList("sandbox", "orders-v1"); !reflect.DeepEqual(revs, []string{"2"}) {
		t.Errorf("revisions after delete = %v, want [2]", revs)
	}
	if _, err := apis.Delete(orgPath("sandbox") + "/apis/orders-v1").Do(); err != nil {
		t.Fatal(err)
	}
	_, err = apis.Get(orgPath("sandbox") + "/apis/orders-v1").Do()
	wantGoogleError(t, err, http.StatusNotFound, "API proxy orders-v1 does not exist")
}

func (f *fixture) download(org, api string, rev int) []byte {
	f.t.Helper()
	code, body := f.do("GET", fmt.Sprintf("organizations/%s/apis/%s/revisions/%d", org, api, rev), url.Values{"format": {"bundle"}}, "", nil)
	if code != http.StatusOK {
		f.t.Fatalf("download %s/%d: %d %s", api, rev, code, body)
	}
	return body
}

func (f *fixture) revision(org, api string, rev int) *apigeev1.GoogleCloudApigeeV1ApiProxyRevision {
	f.t.Helper()
	code, body := f.do("GET", fmt.Sprintf("organizations/%s/apis/%s/revisions/%d", org, api, rev), nil, "", nil)
	var r apigeev1.GoogleCloudApigeeV1ApiProxyRevision
	if err := json.Unmarshal(body, &r); code != http.StatusOK || err != nil {
		f.t.Fatalf("revision %s/%d: %d %s", api, rev, code, body)
	}
	return &r
}

func (f *fixture) revisionList(org, api string) []string {
	f.t.Helper()
	code, body := f.do("GET", "organizations/"+org+"/apis/"+api+"/revisions", nil, "", nil)
	var revs []string
	if err := json.Unmarshal(body, &revs); code != http.StatusOK || err != nil {
		f.t.Fatalf("revisions of %s: %d %s", api, code, body)
	}
	return revs
}

func TestRevisionLimit(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	for i := 1; i <= 250; i++ {
		code, body := f.importRaw("sandbox", "orders-v1", z)
		if code != http.StatusOK {
			t.Fatalf("import %d: %d %s", i, code, body)
		}
	}
	code, body := f.importRaw("sandbox", "orders-v1", z)
	e := wantAPIError(t, code, body, http.StatusBadRequest, "FAILED_PRECONDITION")
	if want := "API proxy orders-v1 already has 250 revisions"; !bytes.Contains([]byte(e.Error.Message), []byte(want)) {
		t.Errorf("message %q, want it to start with %q", e.Error.Message, want)
	}
	if _, err := f.svc.Organizations.Apis.Revisions.Delete(orgPath("sandbox") + "/apis/orders-v1/revisions/1").Do(); err != nil {
		t.Fatal(err)
	}
	if rev := f.mustImport("sandbox", "orders-v1", z); rev.Revision != "251" {
		t.Errorf("import after delete: revision %q, want 251", rev.Revision)
	}
}

func TestUpdateRevisionOnlyBeforeDeploy(t *testing.T) {
	f := newFixture(t, emu.Config{ReadyAfter: -1})
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	z2 := zipOf(t, validFiles("orders-v1", "/orders/v2"))
	path := "organizations/sandbox/apis/orders-v1/revisions/1"
	code, body := f.do("POST", path, nil, "application/octet-stream", z2)
	if code != http.StatusOK || !bytes.Equal(f.download("sandbox", "orders-v1", 1), z2) {
		t.Fatalf("update never-deployed revision: %d %s", code, body)
	}
	env := "organizations/sandbox/environments/test/apis/orders-v1/revisions/1"
	envs := f.svc.Organizations.Environments.Apis.Revisions
	if _, err := envs.Deploy(env).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := envs.Undeploy(env).Do(); err != nil {
		t.Fatal(err)
	}
	code, body = f.do("POST", path, nil, "application/octet-stream", z2)
	wantAPIError(t, code, body, http.StatusBadRequest, "FAILED_PRECONDITION")
}

func TestConcurrentImportsAreNumberedUniquely(t *testing.T) {
	f := newFixture(t, emu.Config{})
	z := zipOf(t, validFiles("orders-v1", "/orders/v1"))
	const n = 16
	revs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, body := f.importRaw("sandbox", "orders-v1", z)
			var r struct{ Revision string }
			if err := json.Unmarshal(body, &r); code != http.StatusOK || err != nil {
				t.Errorf("import %d: %d %s", i, code, body)
			}
			revs[i] = r.Revision
		})
	}
	wg.Wait()
	sort.Slice(revs, func(a, b int) bool { return atoi(revs[a]) < atoi(revs[b]) })
	for i, r := range revs {
		if r != strconv.Itoa(i+1) {
			t.Fatalf("revisions %v, want 1..%d each once", revs, n)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
