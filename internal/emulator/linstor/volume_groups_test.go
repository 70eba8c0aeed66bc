package linstor

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
)

func vgNumbers(vgs []client.VolumeGroup) []int32 {
	out := []int32{}
	for _, vg := range vgs {
		out = append(out, vg.VolumeNumber)
	}
	return out
}

func TestVolumeGroupLifecycle(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	newGoldGroup(t, h)
	for range 2 {
		if err := h.c.ResourceGroups.CreateVolumeGroup(ctx(), "gold", client.VolumeGroup{}); err != nil {
			t.Fatalf("CreateVolumeGroup: %v", err)
		}
	}
	err := h.c.ResourceGroups.CreateVolumeGroup(ctx(), "GOLD", client.VolumeGroup{VolumeNumber: 5,
		Props: map[string]string{"StorPoolName": "nvme", "Aux/size": "10G"}, Flags: []string{"GROSS_SIZE"}})
	if err != nil {
		t.Fatal(err)
	}
	vgs, err := h.c.ResourceGroups.GetVolumeGroups(ctx(), "gold")
	if err != nil {
		t.Fatal(err)
	}
	if got := vgNumbers(vgs); !reflect.DeepEqual(got, []int32{0, 1, 5}) {
		t.Fatalf("volume numbers %v, want auto-numbered 0, 1 then 5", got)
	}
	vg, err := h.c.ResourceGroups.GetVolumeGroup(ctx(), "gold", 5)
	if err != nil || !reflect.DeepEqual(vg.Flags, []string{"GROSS_SIZE"}) || vg.Props["StorPoolName"] != "nvme" {
		t.Fatalf("GetVolumeGroup 5 = %+v, %v", vg, err)
	}
	err = h.c.ResourceGroups.ModifyVolumeGroup(ctx(), "gold", 5, client.VolumeGroupModify{
		Flags: []string{"-GROSS_SIZE"}, OverrideProps: map[string]string{"FileSystem/Type": "ext4"},
		DeleteProps: []string{"Aux/size"}})
	if err != nil {
		t.Fatalf("ModifyVolumeGroup: %v", err)
	}
	vg, _ = h.c.ResourceGroups.GetVolumeGroup(ctx(), "gold", 5)
	if vg.Flags != nil || !reflect.DeepEqual(vg.Props, map[string]string{"StorPoolName": "nvme", "FileSystem/Type": "ext4"}) {
		t.Fatalf("after modify: %+v", vg)
	}
	if err := h.c.ResourceGroups.DeleteVolumeGroup(ctx(), "gold", 1); err != nil {
		t.Fatal(err)
	}
	if err := h.c.ResourceGroups.CreateVolumeGroup(ctx(), "gold", client.VolumeGroup{}); err != nil {
		t.Fatal(err)
	}
	vgs, _ = h.c.ResourceGroups.GetVolumeGroups(ctx(), "gold")
	if got := vgNumbers(vgs); !reflect.DeepEqual(got, []int32{0, 1, 5}) {
		t.Fatalf("after delete and re-create: %v, want the freed number 1 reused", got)
	}
	if _, err := h.c.ResourceGroups.GetVolumeGroup(ctx(), "gold", 7); !errors.Is(err, client.NotFoundError) {
		t.Errorf("GetVolumeGroup 7: %v", err)
	}
	if err := h.c.ResourceGroups.DeleteVolumeGroup(ctx(), "gold", 7); !errors.Is(err, client.NotFoundError) {
		t.Errorf("DeleteVolumeGroup 7: %v", err)
	}
}

func TestVolumeGroupErrors(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	r := h.do("POST", "/v1/resource-groups/gold/volume-groups", "")
	r.expect(t, http.StatusCreated, rcVGCreated)
	if r.rcs[0].Message != "New volume group with number '0' of resource group 'gold' created." {
		t.Errorf("created entry %+v", r.rcs[0])
	}
	r = h.do("POST", "/v1/resource-groups/gold/volume-groups", `{"volume_number":0}`)
	r.expect(t, http.StatusInternalServerError, rcVGExists)
	err := h.c.ResourceGroups.CreateVolumeGroup(ctx(), "gold", client.VolumeGroup{VolumeNumber: 0, Flags: []string{"GROSS_SIZE"}})
	if err != nil {
		t.Fatalf("VolumeNumber 0 is omitted by golinstor, so the next free number is used: %v", err)
	}
	h.do("POST", "/v1/resource-groups/gold/volume-groups", `{"volume_number":70000}`).
		expect(t, http.StatusInternalServerError, failInvldVlmNr|maskCrt|maskVlmGrp)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", `{"props":{"DrbdOptions/Net/protocol":"C"}}`).
		expect(t, http.StatusInternalServerError, failInvldProp|maskCrt|maskVlmGrp)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", `{"flags":["TINY"]}`).
		expect(t, http.StatusInternalServerError, failUnknownError)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", `{"number":1}`).
		expect(t, http.StatusBadRequest, rcParseError)
	h.do("POST", "/v1/resource-groups/missing/volume-groups", `{}`).
		expect(t, http.StatusNotFound, failNotFoundRscGrp|maskCrt|maskVlmGrp)
	h.do("GET", "/v1/resource-groups/missing/volume-groups", "").expect(t, http.StatusNotFound, failNotFoundRscGrp)
	r = h.do("GET", "/v1/resource-groups/gold/volume-groups/9", "")
	r.expect(t, http.StatusNotFound, failNotFoundVlmGrp)
	if !strings.Contains(r.rcs[0].Message, "with volume number '9' not found") {
		t.Errorf("not found entry %+v", r.rcs[0])
	}
	h.do("GET", "/v1/resource-groups/gold/volume-groups/nine", "").expect(t, http.StatusNotFound, failUnknownError)
	h.do("PUT", "/v1/resource-groups/gold/volume-groups/0", `{"flags":["SMALL"]}`).
		expect(t, http.StatusInternalServerError, failUnknownError|maskCrt|maskVlmGrp)
	h.do("PUT", "/v1/resource-groups/gold/volume-groups/0", `{"bogus":1}`).
		expect(t, http.StatusInternalServerError, rcParseError)
	vgs, _ := h.c.ResourceGroups.GetVolumeGroups(ctx(), "gold")
	if got := vgNumbers(vgs); !reflect.DeepEqual(got, []int32{0, 1}) || vgs[0].Flags != nil {
		t.Errorf("failed calls changed volume groups: %+v", vgs)
	}
}

func TestVolumeGroupListPaging(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	for range 3 {
		h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	}
	vgs, err := h.c.ResourceGroups.GetVolumeGroups(ctx(), "gold", &client.ListOpts{Limit: 2, Offset: 1})
	if err != nil || !reflect.DeepEqual(vgNumbers(vgs), []int32{1, 2}) {
		t.Errorf("limit 2 offset 1 = %v, %v", vgNumbers(vgs), err)
	}
	// List.subList(offset, offset+limit) with limit 0 meaning "all" throws
	// for any offset > 0.
	h.do("GET", "/v1/resource-groups/gold/volume-groups?offset=1", "").
		expect(t, http.StatusInternalServerError, failUnknownError)
}

func TestVolumeGroupsRefusedOnceResourceDefinitionsExist(t *testing.T) {
	h := newHarness(t, Config{Pools: []string{"nvme"}})
	newGoldGroup(t, h)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	spawnOK(t, h, "gold", `{"resource_definition_name":"vol1","volume_sizes":[1024]}`)
	err := h.c.ResourceGroups.CreateVolumeGroup(ctx(), "gold", client.VolumeGroup{})
	if !client.IsApiCallError(err, linstor.FailExistsRscDfn) {
		t.Fatalf("CreateVolumeGroup with a resource definition: %v, want FailExistsRscDfn", err)
	}
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusInternalServerError, rcVGCreateWithRDs)
	if err := h.c.ResourceGroups.ModifyVolumeGroup(ctx(), "gold", 0, client.VolumeGroupModify{
		OverrideProps: map[string]string{"Aux/x": "y"}}); err != nil {
		t.Errorf("modify is allowed with resource definitions: %v", err)
	}
	if err := h.c.ResourceGroups.DeleteVolumeGroup(ctx(), "gold", 0); err != nil {
		t.Errorf("delete is allowed with resource definitions: %v", err)
	}
}

func TestDeletingAGroupDeletesItsVolumeGroups(t *testing.T) {
	h := newHarness(t, Config{})
	newGoldGroup(t, h)
	h.do("POST", "/v1/resource-groups/gold/volume-groups", "").expect(t, http.StatusCreated, rcVGCreated)
	if err := h.c.ResourceGroups.Delete(ctx(), "gold"); err != nil {
		t.Fatal(err)
	}
	newGoldGroup(t, h)
	vgs, err := h.c.ResourceGroups.GetVolumeGroups(ctx(), "gold")
	if err != nil || len(vgs) != 0 {
		t.Errorf("re-created group has volume groups %+v, %v", vgs, err)
	}
}
