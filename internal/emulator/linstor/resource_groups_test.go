package linstor

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
)

// Return codes as the real controller writes them (reference §1.2 table).
const (
	rcRGCreated           int64 = 21233665
	rcRGModified          int64 = 21233667
	rcRGDeleted           int64 = 21233666
	rcPropsSet            int64 = 20447233
	rcPropsDeleted        int64 = 54001666
	rcGetRGNotFound       int64 = -4611686018427387587
	rcRGNotFound          int64 = -4611686018406153923
	rcRGExists            int64 = -4611686018406153718
	rcRGHasRDs            int64 = -4611686018406153739
	rcWarnRGNotFound      int64 = -9223372036833539144
	rcInvalidRGName       int64 = -4611686018406154003
	rcInvalidProp         int64 = -4611686018406154027
	rcInvalidPlaceCount   int64 = -4611686018406154021
	rcInvalidLayer        int64 = -4611686018427387680
	rcDeprecated          int64 = -9223372036833538144
	rcParseError          int64 = -3458764513820540931
	rcWarnUnknownPoolMod  int64 = -9223372036833539144
	rcWarnUnknownPoolCrt        = warnNotFound
	rcVGCreated           int64 = 21495809
	rcVGCreateWithRDs     int64 = -4611686018405891595
	rcVGExists            int64 = -4611686018405891573
	rcGetVGNotFound       int64 = -4611686018427387586
	rcInfoNoRscSpawned    int64 = 4611686018427397904
	rcInvalidStorPoolName int64 = -4611686018406154032
)

func TestReturnCodeConstantsMatchTheController(t *testing.T) {
	got := map[string]int64{
		"parse":   apiCallParseError,
		"warn":    warnNotFound | maskCrt | maskRscGrp,
		"exists":  failExistsRscGrp | maskCrt | maskRscGrp,
		"info":    infoNoRscSpawned,
		"deprec":  warnDeprecated | maskCrt | maskRscGrp,
		"getnf":   failNotFoundRscGrp,
		"invprop": failInvldProp | maskCrt | maskRscGrp,
	}
	want := map[string]int64{
		"parse": rcParseError, "warn": rcWarnRGNotFound, "exists": rcRGExists, "info": rcInfoNoRscSpawned,
		"deprec": rcDeprecated, "getnf": rcGetRGNotFound, "invprop": rcInvalidProp,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("codes %v, want %v", got, want)
	}
	// golinstor compares type and code bits only.
	rc := client.ApiCallRc{RetCode: rcRGExists}
	if !rc.Is(linstor.FailExistsRscGrp) || rc.Is(linstor.FailExistsRscDfn) {
		t.Error("golinstor does not recognise the emulator's FAIL_EXISTS_RSC_GRP")
	}
}

func TestResourceGroupLifecycle(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	err := h.c.ResourceGroups.Create(ctx(), client.ResourceGroup{
		Name: "gold", Description: "fast tier",
		Props: map[string]string{"Aux/ignored": "on create"},
		SelectFilter: client.AutoSelectFilter{PlaceCount: 3, StoragePool: "nvme",
			ReplicasOnDifferent: []string{"Aux/zone"}, LayerStack: []string{"drbd", "lvm"},
			ProviderList: []string{"lvmthin"}},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	rg, err := h.c.ResourceGroups.Get(ctx(), "gold")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := client.AutoSelectFilter{PlaceCount: 3, StoragePool: "nvme", StoragePoolList: []string{"nvme"},
		ReplicasOnDifferent: []string{"Aux/zone"}, LayerStack: []string{"DRBD", "STORAGE"},
		ProviderList: []string{"LVM_THIN"}}
	if rg.Name != "gold" || rg.Description != "fast tier" || rg.Props != nil || rg.Uuid == "" ||
		!reflect.DeepEqual(rg.SelectFilter, want) {
		t.Fatalf("Get = %+v, want props ignored and filter %+v", rg, want)
	}
	err = h.c.ResourceGroups.Modify(ctx(), "gold", client.ResourceGroupModify{
		Description:   "faster tier",
		OverrideProps: map[string]string{"Aux/gitops/managed-by": "lingate", "DrbdOptions/Net/protocol": "C"},
		SelectFilter:  client.AutoSelectFilter{PlaceCount: 2},
	})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	rg, _ = h.c.ResourceGroups.Get(ctx(), "gold")
	wantProps := map[string]string{"Aux/gitops/managed-by": "lingate", "DrbdOptions/Net/protocol": "C"}
	if rg.Description != "faster tier" || !reflect.DeepEqual(rg.Props, wantProps) ||
		rg.SelectFilter.PlaceCount != 2 || rg.SelectFilter.StoragePool != "nvme" {
		t.Fatalf("after Modify: %+v", rg)
	}
	if err := h.c.ResourceGroups.Delete(ctx(), "gold"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := h.c.ResourceGroups.Get(ctx(), "gold"); !errors.Is(err, client.NotFoundError) {
		t.Fatalf("Get after Delete: %v, want NotFoundError", err)
	}
}

func TestResourceGroupCreateDefaultsAndOutputShape(t *testing.T) {
	h := newHarness(t, Config{})
	h.do("POST", "/v1/resource-groups", `{"name":"plain","description":"","peer_slots":5,
		"select_filter":{"node_name_list":["node-a"],"storage_pool_diskless_list":["DfltDisklessStorPool"],
		"diskless_type":"x","overprovision":2.0,"port_count":2,"additional_place_count":1}}`).
		expect(t, http.StatusCreated, rcRGCreated)
	r := h.do("GET", "/v1/resource-groups/plain", "")
	body := string(r.body)
	for _, absent := range []string{"peer_slots", "node_name_list", "storage_pool_diskless_list", "description",
		"diskless_type", "overprovision", "port_count", "additional_place_count", "props"} {
		if strings.Contains(body, absent) {
			t.Errorf("GET returned %q: %s", absent, body)
		}
	}
	if !strings.Contains(body, `"select_filter":{"place_count":2}`) {
		t.Errorf("GET %s, want select_filter with only the default place_count 2", body)
	}
	dflt, err := h.c.ResourceGroups.Get(ctx(), "DfltRscGrp")
	if err != nil || dflt.Uuid != dfltRscGrpUUID || dflt.SelectFilter.PlaceCount != 2 {
		t.Errorf("DfltRscGrp = %+v, %v", dflt, err)
	}
}

func TestResourceGroupNamesAreCaseInsensitive(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.c.ResourceGroups.Create(ctx(), client.ResourceGroup{Name: "Gold"}); err != nil {
		t.Fatal(err)
	}
	err := h.c.ResourceGroups.Create(ctx(), client.ResourceGroup{Name: "gold"})
	if !client.IsApiCallError(err, linstor.FailExistsRscGrp) {
		t.Fatalf("second Create: %v, want FailExistsRscGrp", err)
	}
	h.do("POST", "/v1/resource-groups", `{"name":"GOLD"}`).expect(t, http.StatusInternalServerError, rcRGExists)
	rg, err := h.c.ResourceGroups.Get(ctx(), "GOLD")
	if err != nil || rg.Name != "Gold" {
		t.Fatalf("Get GOLD = %+v, %v; want display name Gold", rg, err)
	}
	if err := h.c.ResourceGroups.Modify(ctx(), "gOlD", client.ResourceGroupModify{Description: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := h.c.ResourceGroups.Delete(ctx(), "GOLD"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.ResourceGroups.Get(ctx(), "Gold"); !errors.Is(err, client.NotFoundError) {
		t.Fatalf("Get after delete: %v", err)
	}
}

func TestResourceGroupListIsSortedAndFiltered(t *testing.T) {
	h := newHarness(t, Config{})
	for _, n := range []string{"beta", "Alpha", "gamma"} {
		if err := h.c.ResourceGroups.Create(ctx(), client.ResourceGroup{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.c.ResourceGroups.Modify(ctx(), "beta", client.ResourceGroupModify{
		OverrideProps: map[string]string{"Aux/owner": "lingate", "Aux/tier": "fast"}}); err != nil {
		t.Fatal(err)
	}
	all, err := h.c.ResourceGroups.GetAll(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if got := rgNames(all); !reflect.DeepEqual(got, []string{"Alpha", "beta", "DfltRscGrp", "gamma"}) {
		t.Errorf("GetAll order %v", got)
	}
	cases := []struct {
		opts *client.ListOpts
		want []string
	}{
		{&client.ListOpts{Prop: []string{"Aux/owner"}}, []string{"beta"}},
		{&client.ListOpts{Prop: []string{"Aux/owner=lingate", "Aux/tier=fast"}}, []string{"beta"}},
		{&client.ListOpts{Prop: []string{"Aux/owner=lingate", "Aux/tier=slow"}}, []string{}},
		{&client.ListOpts{Limit: 2, Offset: 1}, []string{"beta", "DfltRscGrp"}},
		{&client.ListOpts{Limit: 0, Offset: 3}, []string{"Alpha", "beta", "DfltRscGrp", "gamma"}},
		{&client.ListOpts{Limit: 5, Offset: 9}, []string{}},
	}
	for _, c := range cases {
		got, err := h.c.ResourceGroups.GetAll(ctx(), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if names := rgNames(got); !reflect.DeepEqual(names, c.want) {
			t.Errorf("GetAll(%+v) = %v, want %v", *c.opts, names, c.want)
		}
	}
	r := h.do("GET", "/v1/resource-groups?resource_groups=ALPHA&resource_groups=gamma", "")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"Alpha"`) || strings.Contains(string(r.body), "beta") {
		t.Errorf("name filter: %d %s", r.status, r.body)
	}
	h.do("GET", "/v1/resource-groups?resource_groups=bad%20name", "").
		expect(t, http.StatusInternalServerError, failInvldRscGrpName)
}

func rgNames(rgs []client.ResourceGroup) []string {
	out := []string{}
	for _, rg := range rgs {
		out = append(out, rg.Name)
	}
	return out
}

func TestDeleteUnknownResourceGroupIsIdempotent(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.c.ResourceGroups.Delete(ctx(), "nope"); err != nil {
		t.Fatalf("golinstor Delete of an unknown group: %v", err)
	}
	r := h.do("DELETE", "/v1/resource-groups/nope", "")
	r.expect(t, http.StatusOK, rcWarnRGNotFound)
	if r.rcs[0].Message != "Resource group: nope not found." || r.rcs[0].ObjRefs["RscGrp"] != "nope" {
		t.Errorf("warning entry %+v", r.rcs[0])
	}
	h.do("POST", "/v1/resource-groups", `{"name":"once"}`).expect(t, http.StatusCreated, rcRGCreated)
	r = h.do("DELETE", "/v1/resource-groups/once", "")
	r.expect(t, http.StatusOK, rcRGDeleted)
	if r.rcs[0].Message != "Resource group 'once' deleted." {
		t.Errorf("deleted entry %+v", r.rcs[0])
	}
}

func TestResourceGroupErrorsAreTheControllers(t *testing.T) {
	h := newHarness(t, Config{})
	h.do("POST", "/v1/resource-groups", `{"name":"gold"}`).expect(t, http.StatusCreated, rcRGCreated)
	h.do("GET", "/v1/resource-groups/missing", "").expect(t, http.StatusNotFound, rcGetRGNotFound)
	h.do("PUT", "/v1/resource-groups/missing", `{}`).expect(t, http.StatusNotFound, rcRGNotFound)
	if err := h.c.ResourceGroups.Modify(ctx(), "missing", client.ResourceGroupModify{}); !errors.Is(err, client.NotFoundError) {
		t.Errorf("Modify of a missing group: %v, want NotFoundError", err)
	}
	r := h.do("POST", "/v1/resource-groups", `{"name":"1bad"}`)
	r.expect(t, http.StatusInternalServerError, rcInvalidRGName)
	if len(r.rcs[0].ErrorReportIDs) != 1 || !strings.Contains(r.rcs[0].Cause, "Cannot begin with character '1'") {
		t.Errorf("invalid name entry %+v", r.rcs[0])
	}
	h.do("POST", "/v1/resource-groups", `{"name":"zero","select_filter":{"place_count":0}}`).
		expect(t, http.StatusInternalServerError, rcInvalidPlaceCount)
	h.do("POST", "/v1/resource-groups", `{"name":"lay","select_filter":{"layer_stack":["TAPE"]}}`).
		expect(t, http.StatusInternalServerError, rcInvalidLayer)
	h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"provider_list":["TAPE"]}}`).
		expect(t, http.StatusBadRequest, rcInvalidLayer)
	h.do("POST", "/v1/resource-groups", `{"name":"pool","select_filter":{"storage_pool":"x"}}`).
		expect(t, http.StatusInternalServerError, rcInvalidStorPoolName)
	r = h.do("POST", "/v1/resource-groups", `{"name":"extra","colour":"blue"}`)
	r.expect(t, http.StatusBadRequest, rcParseError)
	if !strings.Contains(r.rcs[0].Details, `Unrecognized field "colour"`) {
		t.Errorf("parse error details %q", r.rcs[0].Details)
	}
	h.do("PUT", "/v1/resource-groups/gold", `{"colour":"blue"}`).expect(t, http.StatusInternalServerError, rcParseError)
	h.do("POST", "/v1/resource-groups", ``).expect(t, http.StatusBadRequest, rcParseError)
	h.do("POST", "/v1/resource-groups", `{"name":"peers","peer_slots":40}`).
		expect(t, http.StatusInternalServerError, failUnknownError)
	for _, e := range h.log.Entries() {
		if e.Status == http.StatusConflict {
			t.Errorf("%s answered 409; LINSTOR never does", e)
		}
	}
	all, _ := h.c.ResourceGroups.GetAll(ctx())
	if got := rgNames(all); !reflect.DeepEqual(got, []string{"DfltRscGrp", "gold"}) {
		t.Errorf("failed creates left groups behind: %v", got)
	}
}

func TestUnknownStoragePoolsOnlyWarn(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	r := h.do("POST", "/v1/resource-groups", `{"name":"gold","select_filter":{"storage_pool_list":["nvme","ssd"],
		"storage_pool_diskless_list":["nvme"]}}`)
	r.expect(t, http.StatusCreated, rcWarnUnknownPoolCrt)
	msg := r.rcs[0].Message
	if !strings.Contains(msg, "do not exist on any node:\n\tssd") || !strings.Contains(msg, "diskful, but are wrongly") {
		t.Errorf("warning %q", msg)
	}
	if r.rcs[1].RetCode != rcRGCreated {
		t.Errorf("entries %v, want the warning then CREATED", codes(r.rcs))
	}
	r = h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"storage_pool_list":["hdd"],"storage_pool_diskless_list":[]}}`)
	r.expect(t, http.StatusOK, rcWarnUnknownPoolMod)
	if !r.hasCode(rcRGModified) {
		t.Errorf("modify entries %v", codes(r.rcs))
	}
}

func TestModifySelectFilterIsAPartialMerge(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme", "ssd"}})
	h.do("POST", "/v1/resource-groups", `{"name":"gold","select_filter":{"place_count":3,
		"storage_pool_list":["nvme","ssd"],"replicas_on_different":["Aux/zone"],"not_place_with_rsc_regex":"db.*",
		"x_replicas_on_different_map":{"Aux/zone":1},"diskless_on_remaining":true}}`).
		expect(t, http.StatusCreated, rcRGCreated)
	h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"place_count":2,"storage_pool_list":["ssd"]}}`).
		expect(t, http.StatusOK, rcRGModified)
	rg, err := h.c.ResourceGroups.Get(ctx(), "gold")
	if err != nil {
		t.Fatal(err)
	}
	want := client.AutoSelectFilter{PlaceCount: 2, StoragePool: "ssd", StoragePoolList: []string{"ssd"},
		ReplicasOnDifferent: []string{"Aux/zone"}, NotPlaceWithRscRegex: "db.*",
		XReplicasOnDifferent: map[string]int{"Aux/zone": 1}, DisklessOnRemaining: true}
	if !reflect.DeepEqual(rg.SelectFilter, want) {
		t.Errorf("filter %+v, want %+v", rg.SelectFilter, want)
	}
	h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"replicas_on_different":[],"diskless_on_remaining":false}}`).
		expect(t, http.StatusOK, rcRGModified)
	rg, _ = h.c.ResourceGroups.Get(ctx(), "gold")
	if rg.SelectFilter.ReplicasOnDifferent != nil || rg.SelectFilter.DisklessOnRemaining {
		t.Errorf("sending [] and false did not clear: %+v", rg.SelectFilter)
	}
	r := h.do("GET", "/v1/resource-groups/gold", "")
	if !strings.Contains(string(r.body), `"diskless_on_remaining":false`) {
		t.Errorf("a stored false is kept in the output: %s", r.body)
	}
	h.do("PUT", "/v1/resource-groups/gold", `{"select_filter":{"place_count":-1}}`).
		expect(t, http.StatusInternalServerError, rcInvalidPlaceCount)
}

func TestSelectFilterNodeListIsResetByAnyFilter(t *testing.T) {
	sf := newSelectFilter(&autoSelectFilter{NodeNameList: []string{"node-a"}})
	change, err := parseFilter(&autoSelectFilter{})
	if err != nil {
		t.Fatal(err)
	}
	sf.apply(change)
	if len(sf.NodeNameList) != 0 || *sf.PlaceCount != defaultPlaceCount {
		t.Errorf("after an empty select_filter: %+v, want node_name_list cleared", sf)
	}
	sf.apply(nil)
	sf.apply(&autoSelectFilter{NodeNameList: []string{"node-b"}})
	if !reflect.DeepEqual(sf.NodeNameList, []string{"node-b"}) {
		t.Errorf("node list %v", sf.NodeNameList)
	}
}

// Jackson matches property names case-sensitively (MapperFeature.
// ACCEPT_CASE_INSENSITIVE_PROPERTIES is off in a plain ObjectMapper), so a
// body with "Name" or a mis-cased nested field is a parse error, never
// bound to "name" the way Go's encoding/json would.
func TestFieldNamesAreCaseSensitive(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	newGoldGroup(t, h)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	cases := []struct {
		method, path, body, field string
		status                    int
	}{
		{"POST", "/v1/resource-groups", `{"Name":"silver"}`, "Name", http.StatusBadRequest},
		{"POST", "/v1/resource-groups", `{"name":"silver","select_filter":{"Place_Count":3}}`, "Place_Count", http.StatusBadRequest},
		{"PUT", "/v1/resource-groups/gold", `{"Description":"x"}`, "Description", http.StatusInternalServerError},
		{"PUT", "/v1/resource-groups/gold", `{"select_filter":{"PLACE_COUNT":3}}`, "PLACE_COUNT", http.StatusInternalServerError},
		{"POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"db1","Volume_Sizes":[1024]}`, "Volume_Sizes", http.StatusInternalServerError},
		{"POST", "/v1/resource-groups/gold/volume-groups", `{"Flags":["GROSS_SIZE"]}`, "Flags", http.StatusBadRequest},
		{"PUT", "/v1/resource-groups/gold/volume-groups/0", `{"Override_Props":{"Aux/a":"1"}}`, "Override_Props", http.StatusInternalServerError},
	}
	for _, c := range cases {
		r := h.do(c.method, c.path, c.body)
		r.expect(t, c.status, rcParseError)
		if !strings.Contains(r.rcs[0].Details, `Unrecognized field "`+c.field+`"`) {
			t.Errorf("%s %s %s: details %q", c.method, c.path, c.body, r.rcs[0].Details)
		}
	}
	// Map keys are data, not field names: props keep their case.
	h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"Aux/Mixed":"1"},"select_filter":{"x_replicas_on_different_map":{"Aux/Zone":1}}}`).
		expect(t, http.StatusOK, rcPropsSet)
	all, _ := h.c.ResourceGroups.GetAll(ctx())
	if got := rgNames(all); !reflect.DeepEqual(got, []string{"DfltRscGrp", "gold"}) {
		t.Errorf("groups %v", got)
	}
}

// The controller reads bodies with ObjectMapper.readValue, which binds the
// first JSON value and ignores whatever follows it (Jackson's
// FAIL_ON_TRAILING_TOKENS is off by default).
// The OpenAPI validator refuses such bodies, so this test talks to a
// server without the traffic check.
func TestDataAfterTheJSONValueIsIgnored(t *testing.T) {
	clearGolinstorEnv(t)
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h := &harness{t: t, srv: srv, ts: ts, c: newClient(t, ts.URL, ts.Client())}
	h.do("POST", "/v1/resource-groups", `{"name":"gold"} {"name":"silver"} not json`).expect(t, http.StatusCreated, rcRGCreated)
	h.do("PUT", "/v1/resource-groups/gold", `{"description":"x"}}`).expect(t, http.StatusOK, rcRGModified)
	h.do("POST", "/v1/resource-groups", `{"name":"silver", "Colour":1} {`).expect(t, http.StatusBadRequest, rcParseError)
	all, _ := h.c.ResourceGroups.GetAll(ctx())
	if got := rgNames(all); !reflect.DeepEqual(got, []string{"DfltRscGrp", "gold"}) {
		t.Errorf("groups %v, want only the first value bound", got)
	}
}
