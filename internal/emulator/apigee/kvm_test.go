package apigee_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	apigeev1 "google.golang.org/api/apigee/v1"
	"google.golang.org/api/googleapi"

	emu "github.com/lingate/lingate/internal/emulator/apigee"
)

func entry(name, value string) *apigeev1.GoogleCloudApigeeV1KeyValueEntry {
	return &apigeev1.GoogleCloudApigeeV1KeyValueEntry{Name: name, Value: value}
}

func TestEnvironmentKVMWithGoogleClient(t *testing.T) {
	f := newFixture(t, emu.Config{})
	kvms := f.svc.Organizations.Environments.Keyvaluemaps
	parent := orgPath("sandbox") + "/environments/prod"
	m, err := kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "orders-config", Encrypted: true}).Do()
	if err != nil || m.Name != "orders-config" || !m.Encrypted {
		t.Fatalf("create map = %+v, %v", m, err)
	}
	_, err = kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "orders-config"}).Do()
	wantGoogleError(t, err, http.StatusConflict, "already exists")

	mapName := parent + "/keyvaluemaps/orders-config"
	entries := kvms.Entries
	if _, err := entries.Create(mapName, entry("backend-key", "s3cret")).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = entries.Create(mapName, entry("backend-key", "other")).Do()
	ge := wantGoogleError(t, err, http.StatusConflict, "KeyValueMapEntry backend-key already exists in map orders-config")
	if e := decodeError(t, []byte(ge.Body)); e.Error.Status != "ALREADY_EXISTS" {
		t.Errorf("409 status %q, want ALREADY_EXISTS", e.Error.Status)
	}
	if _, err := entries.Update(mapName+"/entries/backend-key", entry("backend-key", "rotated")).Do(); err != nil {
		t.Fatal(err)
	}
	got, err := entries.Get(mapName + "/entries/backend-key").Do()
	if err != nil || got.Value != "rotated" {
		t.Fatalf("get entry = %+v, %v; want the updated value", got, err)
	}
	_, err = entries.Update(mapName+"/entries/missing", entry("missing", "x")).Do()
	wantGoogleError(t, err, http.StatusNotFound,
		"KeyValueMap(Scope=KeyValueMapScope {ScopeType ='ENVIRONMENTS', Organization = 'sandbox', Environment = 'prod'},Map=orders-config) Entry=missing does not exist")
	if names := f.mapNames(parent); !reflect.DeepEqual(names, []string{"orders-config"}) {
		t.Errorf("map list = %v", names)
	}
	if _, err := kvms.Update(mapName, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "orders-config", MaskedValues: true}).Do(); err != nil {
		t.Fatal(err)
	}
	if m, err := kvms.Get(mapName).Do(); err != nil || !m.MaskedValues || !m.Encrypted {
		t.Errorf("map after update = %+v, %v; want maskedValues and encrypted", m, err)
	}
	// A masked map never returns a value, by get, list or delete.
	if got, err := entries.Get(mapName + "/entries/backend-key").Do(); err != nil || got.Value != "*****" {
		t.Errorf("masked entry = %+v, %v; want the value masked", got, err)
	}
	if list, err := entries.List(mapName).Do(); err != nil || len(list.KeyValueEntries) != 1 || list.KeyValueEntries[0].Value != "*****" {
		t.Errorf("masked list = %+v, %v; want the value masked", list, err)
	}
	if del, err := entries.Delete(mapName + "/entries/backend-key").Do(); err != nil || del.Value != "*****" {
		t.Fatalf("delete entry = %+v, %v; want the deleted entry, masked", del, err)
	}
	_, err = entries.Get(mapName + "/entries/backend-key").Do()
	wantGoogleError(t, err, http.StatusNotFound, "Entry=backend-key does not exist")
	if _, err := kvms.Delete(mapName).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = entries.Create(mapName, entry("k", "v")).Do()
	wantGoogleError(t, err, http.StatusNotFound, "does not exist")
	_, err = kvms.Get(mapName).Do()
	wantGoogleError(t, err, http.StatusNotFound, "Map=orders-config) does not exist")
}

func (f *fixture) mapNames(parent string) []string {
	f.t.Helper()
	code, body := f.do("GET", parent+"/keyvaluemaps", nil, "", nil)
	var names []string
	if err := json.Unmarshal(body, &names); code != http.StatusOK || err != nil {
		f.t.Fatalf("list maps of %s: %d %s", parent, code, body)
	}
	return names
}

func TestOrganizationAndProxyKVMs(t *testing.T) {
	f := newFixture(t, emu.Config{})
	org := f.svc.Organizations
	if _, err := org.Keyvaluemaps.Create(orgPath("sandbox"), &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "shared"}).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Keyvaluemaps.Entries.Create(orgPath("sandbox")+"/keyvaluemaps/shared", entry("k", "v")).Do(); err != nil {
		t.Fatal(err)
	}
	_, err := org.Keyvaluemaps.Entries.Get(orgPath("sandbox") + "/keyvaluemaps/shared/entries/nope").Do()
	wantGoogleError(t, err, http.StatusNotFound, "ScopeType ='ORGANIZATIONS'")
	// Maps of the organization and of an environment are distinct.
	if names := f.mapNames(orgPath("sandbox") + "/environments/prod"); len(names) != 0 {
		t.Errorf("environment maps = %v, want none", names)
	}

	_, err = org.Apis.Keyvaluemaps.Create(orgPath("sandbox")+"/apis/orders-v1", &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "m"}).Do()
	wantGoogleError(t, err, http.StatusNotFound, "API proxy orders-v1 does not exist")
	f.mustImport("sandbox", "orders-v1", zipOf(t, validFiles("orders-v1", "/orders/v1")))
	if _, err := org.Apis.Keyvaluemaps.Create(orgPath("sandbox")+"/apis/orders-v1", &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "m"}).Do(); err != nil {
		t.Fatal(err)
	}
	if names := f.mapNames(orgPath("sandbox") + "/apis/orders-v1"); !reflect.DeepEqual(names, []string{"m"}) {
		t.Errorf("proxy maps = %v", names)
	}
	code, body := f.do("POST", "organizations/sandbox/keyvaluemaps", nil, "application/json", []byte(`{"name":"x","entry":[]}`))
	e := wantAPIError(t, code, body, http.StatusBadRequest, "INVALID_ARGUMENT")
	if !strings.Contains(e.Error.Message, `Unknown name "entry" at 'key_value_map': Cannot find field.`) {
		t.Errorf("message %q", e.Error.Message)
	}
}

func TestEntriesPaging(t *testing.T) {
	f := newFixture(t, emu.Config{})
	kvms := f.svc.Organizations.Environments.Keyvaluemaps
	parent := orgPath("sandbox") + "/environments/prod"
	if _, err := kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "m"}).Do(); err != nil {
		t.Fatal(err)
	}
	mapName := parent + "/keyvaluemaps/m"
	for _, k := range []string{"e", "a", "d", "b", "c"} {
		if _, err := kvms.Entries.Create(mapName, entry(k, "v-"+k)).Do(); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string
	token := ""
	for range 5 {
		resp, err := kvms.Entries.List(mapName).PageSize(2).PageToken(token).Do()
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range resp.KeyValueEntries {
			keys = append(keys, e.Name)
		}
		pages = append(pages, strings.Join(keys, ""))
		if token = resp.NextPageToken; token == "" {
			break
		}
	}
	if strings.Join(pages, "|") != "ab|cd|e" {
		t.Errorf("pages %v, want ab|cd|e", pages)
	}
	all, err := kvms.Entries.List(mapName).Do()
	if err != nil || len(all.KeyValueEntries) != 5 || all.NextPageToken != "" {
		t.Errorf("default page = %+v, %v; want all 5", all, err)
	}
}

// Creating an entry is atomic: of many concurrent creates of one key,
// exactly one wins and the rest see 409, so an entry can serve as a lock.
func TestEntryCreateIsALock(t *testing.T) {
	f := newFixture(t, emu.Config{})
	kvms := f.svc.Organizations.Environments.Keyvaluemaps
	parent := orgPath("sandbox") + "/environments/prod"
	if _, err := kvms.Create(parent, &apigeev1.GoogleCloudApigeeV1KeyValueMap{Name: "locks"}).Do(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	wins, conflicts := 0, 0
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			_, err := kvms.Entries.Create(parent+"/keyvaluemaps/locks", entry("apply", "holder")).Do()
			var ge *googleapi.Error
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.As(err, &ge) && ge.Code == http.StatusConflict:
				conflicts++
			default:
				t.Errorf("create: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || conflicts != 11 {
		t.Errorf("%d wins and %d conflicts, want 1 and 11", wins, conflicts)
	}
}
