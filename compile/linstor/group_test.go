package linstor

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/LINBIT/golinstor/client"
)

// TestRoundTrip checks Decode then Encode gives back every compiled file byte for byte.
func TestRoundTrip(t *testing.T) {
	for name, data := range compileAll(t, estate()) {
		g, err := Decode(data)
		if err != nil {
			t.Fatalf("Decode(%s): %v", name, err)
		}
		again, err := Encode(g)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("%s: Encode(Decode(file)) differs:\n%s\nwant:\n%s", name, again, data)
		}
	}
}

// TestExplicitValues checks what golinstor's omitempty tags drop: volume
// number 0 and diskless_on_remaining false, kept apart from unset.
func TestExplicitValues(t *testing.T) {
	golinstor, _ := json.Marshal(client.VolumeGroup{VolumeNumber: 0})
	if strings.Contains(string(golinstor), "volume_number") {
		t.Fatalf("golinstor now writes volume_number 0 (%s); Group's own JSON may be simplified", golinstor)
	}
	tests := []struct {
		dor  *bool
		want string
	}{
		{nil, ``},
		{ptr(false), `"diskless_on_remaining":false`},
		{ptr(true), `"diskless_on_remaining":true`},
	}
	for _, tt := range tests {
		g := Group{ResourceGroup: client.ResourceGroup{Name: "fast"}, DisklessOnRemaining: tt.dor, VolumeGroups: []client.VolumeGroup{{}}}
		data, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"volume_groups":[{"volume_number":0}]`) {
			t.Errorf("%s: want volume_number 0 written", data)
		}
		if has := strings.Contains(string(data), "diskless_on_remaining"); has != (tt.want != "") || !strings.Contains(string(data), tt.want) {
			t.Errorf("%s: want %q", data, tt.want)
		}
		back, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.DisklessOnRemaining, tt.dor) || back.SelectFilter.DisklessOnRemaining != (tt.dor != nil && *tt.dor) {
			t.Errorf("Decode(%s) diskless_on_remaining = %v / %v, want %v", data, back.DisklessOnRemaining, back.SelectFilter.DisklessOnRemaining, tt.dor)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, bad := range []string{``, `[]`, `{"name": 1}`, `{"description": "no name"}`, `{"name": "x", "volume_groups": {}}`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) succeeded", bad)
		}
	}
}

// liveJSON is what a LINSTOR controller reports for the compiled group of
// prod's standard tier after apply: the server drops what it never reports
// (storage_pool_diskless_list), adds uuids and Internal/Drbd/QuorumSetBy,
// the apply stage stamped the commit, and volume groups come separately, in any order.
const liveJSON = `{
  "name": "standard", "description": "SSD, two replicas", "uuid": "a52e934a-9fd9-44cb-9db1-716dcd13aae3",
  "props": {
    "Aux/lingate/environment": "prod", "Aux/lingate/managed-by": "lingate", "Aux/lingate/tier": "standard",
    "Aux/lingate/commit": "0123456789abcdef0123456789abcdef01234567",
    "DrbdOptions/Net/protocol": "C", "DrbdOptions/Resource/quorum": "majority",
    "Internal/Drbd/QuorumSetBy": "user"
  },
  "select_filter": {"place_count": 2, "storage_pool_list": ["ssd-a", "ssd-b"], "layer_stack": ["DRBD", "STORAGE"], "diskless_on_remaining": false},
  "volume_groups": [
    {"volume_number": 1, "uuid": "b2"},
    {"volume_number": 0, "props": {"Aux/lingate/size": "50GiB", "Internal/x": "y"}, "uuid": "b1"}
  ]
}`

// TestNormalizeLiveMatchesCompiled checks a live group holding what was compiled compares equal.
func TestNormalizeLiveMatchesCompiled(t *testing.T) {
	compiled := decodeFile(t, compileAll(t, estate())["prod/linstor/resource-groups/standard.json"])
	live := decodeFile(t, []byte(liveJSON))
	if c, l := Normalize(compiled), Normalize(live); !reflect.DeepEqual(c, l) {
		t.Errorf("normal forms differ:\ncompiled %s\nlive     %s", mustJSON(t, c), mustJSON(t, l))
	}
}

// TestNormalizeShowsDrift checks real differences survive normalisation.
func TestNormalizeShowsDrift(t *testing.T) {
	compiled := Normalize(decodeFile(t, compileAll(t, estate())["prod/linstor/resource-groups/standard.json"]))
	drifts := map[string]func(string) string{
		"place count": func(s string) string { return strings.Replace(s, `"place_count": 2`, `"place_count": 3`, 1) },
		"prop value": func(s string) string {
			return strings.Replace(s, `"DrbdOptions/Net/protocol": "C"`, `"DrbdOptions/Net/protocol": "A"`, 1)
		},
		"foreign prop": func(s string) string { return strings.Replace(s, `"Internal/Drbd/QuorumSetBy"`, `"Aux/other"`, 1) },
		"diskless true": func(s string) string {
			return strings.Replace(s, `"diskless_on_remaining": false`, `"diskless_on_remaining": true`, 1)
		},
		"diskless unset": func(s string) string { return strings.Replace(s, `, "diskless_on_remaining": false`, ``, 1) },
		"volume size":    func(s string) string { return strings.Replace(s, `50GiB`, `60GiB`, 1) },
		"volume missing": func(s string) string { return strings.Replace(s, `{"volume_number": 1, "uuid": "b2"},`, ``, 1) },
		"layers": func(s string) string {
			return strings.Replace(s, `["DRBD", "STORAGE"]`, `["DRBD", "LUKS", "STORAGE"]`, 1)
		},
		"description":     func(s string) string { return strings.Replace(s, `SSD, two replicas`, `SSD`, 1) },
		"pool list order": func(s string) string { return strings.Replace(s, `["ssd-a", "ssd-b"]`, `["ssd-b", "ssd-a"]`, 1) },
		"replicas spread": func(s string) string {
			return strings.Replace(s, `"place_count": 2,`, `"place_count": 2, "replicas_on_different": ["Aux/zone"],`, 1)
		},
	}
	for name, drift := range drifts {
		changed := drift(liveJSON)
		if changed == liveJSON {
			t.Fatalf("%s: the drift did not apply", name)
		}
		if reflect.DeepEqual(compiled, Normalize(decodeFile(t, []byte(changed)))) {
			t.Errorf("%s: live group with drift compares equal to the compiled one", name)
		}
	}
}

// TestNormalizeServerForms checks each normalisation the server applies.
func TestNormalizeServerForms(t *testing.T) {
	in := Group{
		ResourceGroup: client.ResourceGroup{
			Name: "fast", Uuid: "u",
			Props: map[string]string{
				"DrbdOptions/Net/allow-two-primaries":    "Yes",
				"DrbdOptions/auto-add-quorum-tiebreaker": "no",
				"DrbdOptions/Disk/al-extents":            "0100",
				"Aux/free":                               "Yes",
				"Internal/Drbd/QuorumSetBy":              "user",
				PropCommit:                               "abc",
			},
			SelectFilter: client.AutoSelectFilter{
				StoragePool: "nvme", LayerStack: []string{"drbd", "crypt", "Storage"}, ProviderList: []string{"lvmthin", "Zfs"},
				NodeNameList: []string{"n1"}, StoragePoolDisklessList: []string{"dl"}, AdditionalPlaceCount: 1, DisklessType: "x",
				DisklessOnRemaining: true, NotPlaceWithRsc: []string{},
			},
		},
		VolumeGroups: []client.VolumeGroup{{VolumeNumber: 1, Flags: []string{"b", "a"}, Props: map[string]string{}}, {VolumeNumber: 0, Uuid: "v"}},
	}
	before := mustJSON(t, in)
	want := Group{
		ResourceGroup: client.ResourceGroup{
			Name: "fast",
			Props: map[string]string{
				"DrbdOptions/Net/allow-two-primaries":    "yes",
				"DrbdOptions/auto-add-quorum-tiebreaker": "false",
				"DrbdOptions/Disk/al-extents":            "100",
				"Aux/free":                               "Yes",
			},
			SelectFilter: client.AutoSelectFilter{
				PlaceCount: 2, StoragePool: "nvme", StoragePoolList: []string{"nvme"},
				LayerStack: []string{"DRBD", "LUKS", "STORAGE"}, ProviderList: []string{"LVM_THIN", "ZFS"},
				DisklessOnRemaining: true,
			},
		},
		DisklessOnRemaining: ptr(true),
		VolumeGroups:        []client.VolumeGroup{{VolumeNumber: 0}, {VolumeNumber: 1, Flags: []string{"a", "b"}}},
	}
	if got := Normalize(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize:\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
	if after := mustJSON(t, in); after != before {
		t.Errorf("Normalize changed its input:\n%s\nwas\n%s", after, before)
	}
}

// TestNormalizeStoragePool checks storage_pool is kept exactly for one pool.
func TestNormalizeStoragePool(t *testing.T) {
	g := Group{ResourceGroup: client.ResourceGroup{Name: "x", SelectFilter: client.AutoSelectFilter{
		PlaceCount: 3, StoragePool: "a", StoragePoolList: []string{"a", "b"}}}}
	if got := Normalize(g).SelectFilter; got.StoragePool != "" || !reflect.DeepEqual(got.StoragePoolList, []string{"a", "b"}) || got.PlaceCount != 3 {
		t.Errorf("Normalize filter = %+v, want list a, b without storage_pool and place_count 3", got)
	}
}

// TestNormalizeIsIdempotent checks compiled groups are already in normal form
// apart from the fields a live read cannot see.
func TestNormalizeIsIdempotent(t *testing.T) {
	for name, data := range compileAll(t, estate()) {
		once := Normalize(decodeFile(t, data))
		if twice := Normalize(once); !reflect.DeepEqual(once, twice) {
			t.Errorf("%s: Normalize is not idempotent", name)
		}
		g := decodeFile(t, data)
		if !reflect.DeepEqual(once.Props, g.Props) {
			t.Errorf("%s: compiled props are not in normal form: %v vs %v", name, g.Props, once.Props)
		}
	}
}

func decodeFile(t *testing.T, data []byte) Group {
	t.Helper()
	g, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, data)
	}
	return g
}

func mustJSON(t *testing.T, g Group) string {
	t.Helper()
	data, err := Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
