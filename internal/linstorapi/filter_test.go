package linstorapi

import (
	"encoding/json"
	"testing"
)

func TestZeroScalarsAreNotWritten(t *testing.T) {
	f := AutoSelectFilter{PlaceCount: NonZero(int32(3)), StoragePool: NonZero(""), DisklessOnRemaining: NonZero(false),
		StoragePoolList: []string{}}
	b, err := json.Marshal(f)
	if err != nil || string(b) != `{"place_count":3}` {
		t.Errorf("marshal = %s, %v", b, err)
	}
	if Value(f.PlaceCount) != 3 || Value(f.StoragePool) != "" || Value(f.DisklessOnRemaining) {
		t.Errorf("Value of %+v", f)
	}
	given := false
	f.DisklessOnRemaining = &given
	if b, _ := json.Marshal(f); string(b) != `{"place_count":3,"diskless_on_remaining":false}` {
		t.Errorf("a given false is written: %s", b)
	}
}
