package linstor

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/LINBIT/golinstor/client"
)

// Jackson's default ObjectMapper coerces scalars: a String for a number or
// boolean, a fractional number for an integer, a number or boolean for a
// String. The same bodies with proper JSON types are what the spec
// validates.
func TestScalarsAreCoercedAsJacksonDoes(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	sent := map[string]string{
		`{"name":"gold","select_filter":{"place_count":"3","diskless_on_remaining":"True"}}`: `{"name":"gold","select_filter":{"place_count":3,"diskless_on_remaining":true}}`,
		`{"override_props":{"Aux/n":7,"Aux/b":false},"select_filter":{"place_count":1.9}}`:   `{"override_props":{"Aux/n":"7","Aux/b":"false"},"select_filter":{"place_count":1}}`,
		`{"resource_definition_name":"db1","volume_sizes":["1024"],"partial":"false"}`:       `{"resource_definition_name":"db1","volume_sizes":[1024],"partial":false}`,
		`{"name":"silver","select_filter":{"place_count":""}}`:                               `{"name":"silver","select_filter":{}}`,
	}
	for k, v := range sent {
		h.readAs[k] = v
	}
	h.do("POST", "/v1/resource-groups", `{"name":"gold","select_filter":{"place_count":"3","diskless_on_remaining":"True"}}`).
		expect(t, http.StatusCreated, 0)
	rg, err := h.c.ResourceGroups.Get(ctx(), "gold")
	if err != nil || rg.SelectFilter.PlaceCount != 3 || !rg.SelectFilter.DisklessOnRemaining {
		t.Fatalf("gold = %+v, %v", rg.SelectFilter, err)
	}
	h.do("PUT", "/v1/resource-groups/gold", `{"override_props":{"Aux/n":7,"Aux/b":false},"select_filter":{"place_count":1.9}}`).
		expect(t, http.StatusOK, 0)
	rg, _ = h.c.ResourceGroups.Get(ctx(), "gold")
	if !reflect.DeepEqual(rg.Props, map[string]string{"Aux/n": "7", "Aux/b": "false"}) || rg.SelectFilter.PlaceCount != 1 {
		t.Errorf("after coerced modify: %+v %+v", rg.Props, rg.SelectFilter)
	}
	h.do("POST", "/v1/resource-groups/gold/spawn", `{"resource_definition_name":"db1","volume_sizes":["1024"],"partial":"false"}`).
		expect(t, http.StatusCreated, 0)
	rds, err := h.c.ResourceDefinitions.GetAll(ctx(), client.RDGetAllRequest{WithVolumeDefinitions: true})
	if err != nil || len(rds) != 1 || len(rds[0].VolumeDefinitions) != 1 || rds[0].VolumeDefinitions[0].SizeKib != 1024 {
		t.Errorf("spawned definitions %+v, %v", rds, err)
	}
	h.do("POST", "/v1/resource-groups", `{"name":"silver","select_filter":{"place_count":""}}`).expect(t, http.StatusCreated, 0)
	if rg, _ := h.c.ResourceGroups.Get(ctx(), "silver"); rg.SelectFilter.PlaceCount != 2 {
		t.Errorf(`place_count "" is null: the default 2, got %d`, rg.SelectFilter.PlaceCount)
	}
	for body, want := range map[string]string{
		`{"name":"bad","select_filter":{"place_count":"three"}}`:         "Cannot deserialize value of type `int` from String \"three\": not a valid `int` value",
		`{"name":"bad","select_filter":{"place_count":"3000000000"}}`:    "not a valid `int` value",
		`{"name":"bad","select_filter":{"diskless_on_remaining":"yes"}}`: "only \"true\" or \"false\" recognized",
		`{"name":"bad","select_filter":{"node_name_list":"node-a"}}`:     "cannot unmarshal",
	} {
		r := h.do("POST", "/v1/resource-groups", body)
		r.expect(t, http.StatusBadRequest, rcParseError)
		if !strings.Contains(r.rcs[0].Details, want) {
			t.Errorf("%s: details %q, want %q", body, r.rcs[0].Details, want)
		}
	}
}
