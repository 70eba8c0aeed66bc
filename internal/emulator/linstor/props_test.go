package linstor

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
)

func newGoldGroup(t *testing.T, h *harness) {
	t.Helper()
	h.do("POST", "/v1/resource-groups", `{"name":"gold"}`).expect(t, http.StatusCreated, rcRGCreated)
}

func (h *harness) props(name string) map[string]string {
	h.t.Helper()
	rg, err := h.c.ResourceGroups.Get(ctx(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	return rg.Props
}

func TestModifyPropsAreNormalisedAndReported(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	r := h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{
		"DrbdOptions/Resource/auto-promote":"Yes",
		"DrbdOptions/auto-add-quorum-tiebreaker":"YES",
		"DrbdOptions/Net/protocol":"C",
		"DrbdOptions/Resource/quorum":"majority",
		"FileSystem/Type":"xfs",
		"Aux//gitops//tier":"any value at all",
		"StorPoolName":"nvme_01"}}`)
	r.expect(t, http.StatusOK, rcPropsSet)
	if len(r.rcs) != 2 || r.rcs[1].RetCode != rcRGModified || r.rcs[1].Message != "Resource group 'gold' modified." {
		t.Fatalf("entries %v / %s", codes(r.rcs), r.body)
	}
	if !strings.HasPrefix(r.rcs[0].Message, "Successfully set property key(s): ") || r.rcs[0].ObjRefs["RscGrp"] != "gold" {
		t.Errorf("props entry %+v", r.rcs[0])
	}
	want := map[string]string{
		"DrbdOptions/Resource/auto-promote":      "yes",
		"DrbdOptions/auto-add-quorum-tiebreaker": "true",
		"DrbdOptions/Net/protocol":               "C",
		"DrbdOptions/Resource/quorum":            "majority",
		"Internal/Drbd/QuorumSetBy":              "user",
		"FileSystem/Type":                        "xfs",
		"Aux/gitops/tier":                        "any value at all",
		"StorPoolName":                           "nvme_01",
	}
	if got := h.props("gold"); !reflect.DeepEqual(got, want) {
		t.Errorf("props %v\nwant %v", got, want)
	}
	r = h.do("PUT", "/v1/resource-groups/gold", `{"delete_props":["DrbdOptions/Resource/quorum","Aux/never-set"]}`)
	r.expect(t, http.StatusOK, rcPropsDeleted)
	got := h.props("gold")
	if _, ok := got["Internal/Drbd/QuorumSetBy"]; ok {
		t.Errorf("deleting the quorum key left QuorumSetBy: %v", got)
	}
}

func TestModifyPropsOrderOverrideThenDeleteThenNamespaces(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"Aux/a/x":"1","Aux/a/y":"2","Aux/b":"3",
		"DrbdOptions/Net/protocol":"B"}}`).expect(t, http.StatusOK, rcPropsSet)
	r := h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"Aux/b":"4","Aux/c":"5"},
		"delete_props":["Aux/b"],"delete_namespaces":["Aux/a","Aux/none","DrbdOptions"]}`)
	r.expect(t, http.StatusOK, rcPropsSet)
	if !reflect.DeepEqual(codes(r.rcs), []int64{rcPropsSet, rcPropsDeleted, rcRGModified}) {
		t.Errorf("entries %v", codes(r.rcs))
	}
	if got := h.props("gold"); !reflect.DeepEqual(got, map[string]string{"Aux/c": "5"}) {
		t.Errorf("props %v, want only Aux/c (override, then delete, then namespaces)", got)
	}
	h.do("PUT", "/v1/resource-groups/gold", `{}`).expect(t, http.StatusOK, rcRGModified)
}

func TestInvalidPropsFailAndApplyNothing(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"Aux/keep":"1"}}`).expect(t, http.StatusOK, rcPropsSet)
	cases := []struct {
		body, msg, details string
	}{
		{`{"description":"changed","override_props":{"Aux/new":"x","DrbdOptions/Net/protocol":"D"}}`,
			"Invalid property(DrbdOptions/Net/protocol) value: D", "This value has to match (?:A|B|C)."},
		{`{"override_props":{"Aux/new":"x","DrbdOptions/Resource/quorum":"33"}}`,
			"Invalid property(DrbdOptions/Resource/quorum) value: 33", "(1 - 32)"},
		{`{"override_props":{"DrbdOptions/Resource/auto-promote":"true"}}`,
			"Invalid property(DrbdOptions/Resource/auto-promote) value: true", "either 'yes' or 'no'"},
		{`{"override_props":{"NoSuch/Key":"1"}}`, "Invalid property key: NoSuch/Key", ""},
		{`{"override_props":{"DrbdOptions/ExactSize":"true"}}`, "Invalid property key", ""},
		{`{"override_props":{"Aux/` + strings.Repeat("k", 260) + `":"1"}}`, "Invalid key: Aux/", ""},
		{`{"delete_props":["Internal/Drbd/QuorumSetBy"]}`, "Invalid property key", ""},
		{`{"override_props":{"PeerSlotsNewResource":"32"}}`, "Invalid property(PeerSlotsNewResource) value: 32", ""},
	}
	for _, c := range cases {
		r := h.do("PUT", "/v1/resource-groups/gold", c.body)
		r.expect(t, http.StatusInternalServerError, rcInvalidProp)
		if !strings.HasPrefix(r.rcs[0].Message, c.msg) || !strings.Contains(r.rcs[0].Details, c.details) ||
			len(r.rcs[0].ErrorReportIDs) != 1 {
			t.Errorf("%s: entry %+v", c.body, r.rcs[0])
		}
	}
	rg, _ := h.c.ResourceGroups.Get(ctx(), "gold")
	if rg.Description != "" || !reflect.DeepEqual(rg.Props, map[string]string{"Aux/keep": "1"}) {
		t.Errorf("failed modifications left changes: %+v", rg)
	}
	err := h.c.ResourceGroups.Modify(ctx(), "gold", client.ResourceGroupModify{
		OverrideProps: map[string]string{"DrbdOptions/Net/protocol": "D"}})
	if !client.IsApiCallError(err, linstor.FailInvldProp) {
		t.Errorf("golinstor sees %v, want FailInvldProp", err)
	}
}

func TestDeprecatedAutoQuorumWarns(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	r := h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"DrbdOptions/auto-quorum":"suspend-io"}}`)
	r.expect(t, http.StatusOK, rcDeprecated)
	if !reflect.DeepEqual(codes(r.rcs), []int64{rcDeprecated, rcPropsSet, rcRGModified}) {
		t.Errorf("entries %v", codes(r.rcs))
	}
	if r.rcs[0].Message != "DrbdOptions/auto-quorum is deprecated, please use DrbdOptions/Resource/quorum" {
		t.Errorf("warning %q", r.rcs[0].Message)
	}
}

func TestWhitelistRules(t *testing.T) {
	wls, err := compileWhitelists()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		wl      whitelist
		key     string
		value   string
		valid   bool
		normal  string
		present bool
	}{
		{wls.rscDfn, "DrbdOptions/Resource/quorum", "3", true, "3", true},
		{wls.rscDfn, "DrbdOptions/Resource/quorum", "all", true, "all", true},
		{wls.rscDfn, "DrbdOptions/Resource/quorum", "ALL", false, "", true},
		{wls.rscDfn, "DrbdOptions/Resource/on-no-quorum", "suspend-io", true, "suspend-io", true},
		{wls.rscDfn, "DrbdOptions/Net/allow-two-primaries", "NO", true, "no", true},
		{wls.rscDfn, "BalanceResourcesEnabled", "No", true, "false", true},
		{wls.rscDfn, "AutoSnapshot/RunEvery", "60", true, "60", true},
		{wls.rscDfn, "AutoSnapshot/RunEvery", "1h", false, "", true},
		{wls.rscDfn, "Autoplacer/MinThinFreeSpace", "10%", true, "10%", true},
		{wls.rscDfn, "Autoplacer/MinThinFreeSpace", "lots", false, "", true},
		{wls.rscDfn, "StorPoolNameDrbdMeta", ".internal", true, ".internal", true},
		{wls.rscDfn, "StorPoolName", "ab", false, "", true},
		{wls.rscDfn, "DrbdOptions/Disk/al-extents", "66", false, "", true},
		{wls.vlmDfn, "StorPoolName", "nvme", true, "nvme", true},
		{wls.vlmDfn, "DrbdOptions/Net/protocol", "C", false, "", false},
	}
	for _, c := range cases {
		r, ok := c.wl[c.key]
		if ok != c.present {
			t.Errorf("%s present = %v", c.key, ok)
			continue
		}
		if !ok {
			continue
		}
		if r.valid(c.value) != c.valid {
			t.Errorf("%s=%q valid = %v", c.key, c.value, !c.valid)
		}
		if c.valid && r.normalize(c.value) != c.normal {
			t.Errorf("%s=%q normalised to %q, want %q", c.key, c.value, r.normalize(c.value), c.normal)
		}
	}
}

func TestListPropFilters(t *testing.T) {
	props := map[string]string{"Aux/a": "1", "Aux/b": ""}
	cases := []struct {
		filters []string
		want    bool
	}{
		{nil, true}, {[]string{"Aux/a"}, true}, {[]string{"Aux/a=1", "Aux/b"}, true},
		{[]string{"Aux/a=2"}, false}, {[]string{"Aux/c"}, false}, {[]string{"Aux/b="}, true},
	}
	for _, c := range cases {
		if got := matchesPropFilters(props, c.filters); got != c.want {
			t.Errorf("filters %v = %v", c.filters, got)
		}
	}
}
