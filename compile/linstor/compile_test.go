package linstor

import (
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

func ptr[T any](v T) *T { return &v }

// TestMapping covers each rule of policies.md's tier -> resource group mapping
// on the compiled JSON itself.
func TestMapping(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*schema.Tier)
		want map[string]any
	}{
		{"defaults", nil, map[string]any{
			"name":                                "fast",
			"description":                         "NVMe, three replicas",
			"props":                               map[string]string{PropManagedBy: "lingate", PropEnvironment: "prod", PropTier: "fast", propProtocol: "C", propQuorum: "majority"},
			"select_filter":                       map[string]any{"place_count": 3, "storage_pool": "nvme-thin", "storage_pool_list": []string{"nvme-thin"}, "layer_stack": []string{"DRBD", "STORAGE"}},
			"uuid":                                absent,
			"volume_groups":                       []map[string]any{{"volume_number": 0}},
			"select_filter.diskless_on_remaining": absent,
			"props." + PropCommit:                 absent,
			"select_filter.storage_pool_diskless_list": absent,
		}},
		{"replicas become place_count", func(t *schema.Tier) { t.Replicas = 5 }, map[string]any{
			"select_filter.place_count": 5,
		}},
		{"several storage pools: no storage_pool", func(t *schema.Tier) { t.StoragePools = []string{"nvme-a", "nvme-b"} }, map[string]any{
			"select_filter.storage_pool_list": []string{"nvme-a", "nvme-b"},
			"select_filter.storage_pool":      absent,
		}},
		{"no storage pools", func(t *schema.Tier) { t.StoragePools = nil }, map[string]any{
			"select_filter.storage_pool_list": absent,
			"select_filter.storage_pool":      absent,
		}},
		{"diskless pools", func(t *schema.Tier) { t.DisklessPools = []string{"diskless"} }, map[string]any{
			"select_filter.storage_pool_diskless_list": []string{"diskless"},
		}},
		{"providers in LINSTOR's spelling", func(t *schema.Tier) { t.Providers = []string{"lvm_thin", "ZFSTHIN", "drbd_diskless"} }, map[string]any{
			"select_filter.provider_list": []string{"LVM_THIN", "ZFS_THIN", "DISKLESS"},
		}},
		{"encrypted adds LUKS above STORAGE", func(t *schema.Tier) { t.Encrypted = true }, map[string]any{
			"select_filter.layer_stack": []string{"DRBD", "LUKS", "STORAGE"},
		}},
		{"encrypted puts LUKS below cache layers", func(t *schema.Tier) {
			t.Encrypted, t.Layers = true, []string{"DRBD", "WRITECACHE", "STORAGE"}
		}, map[string]any{
			"select_filter.layer_stack": []string{"DRBD", "WRITECACHE", "LUKS", "STORAGE"},
		}},
		{"encrypted with LUKS already listed", func(t *schema.Tier) {
			t.Encrypted, t.Layers = true, []string{"DRBD", "LUKS", "STORAGE"}
		}, map[string]any{
			"select_filter.layer_stack": []string{"DRBD", "LUKS", "STORAGE"},
		}},
		{"LUKS listed without encrypted stays", func(t *schema.Tier) { t.Layers = []string{"DRBD", "LUKS", "STORAGE"} }, map[string]any{
			"select_filter.layer_stack": []string{"DRBD", "LUKS", "STORAGE"},
		}},
		{"layers in LINSTOR's order, middle order kept", func(t *schema.Tier) {
			t.Layers = []string{"STORAGE", "cache", "LUKS", "NVME", "DRBD"}
		}, map[string]any{
			"select_filter.layer_stack": []string{"DRBD", "CACHE", "NVME", "LUKS", "STORAGE"},
		}},
		{"encrypted without DRBD", func(t *schema.Tier) { t.Encrypted, t.Layers = true, []string{"STORAGE"} }, map[string]any{
			"select_filter.layer_stack": []string{"LUKS", "STORAGE"},
			"props." + propProtocol:     absent,
			"props." + propQuorum:       absent,
		}},
		{"replica topology", func(t *schema.Tier) {
			t.ReplicasOnSame, t.ReplicasOnDifferent = []string{"Aux/rack=r1"}, []string{"Aux/zone"}
		}, map[string]any{
			"select_filter.replicas_on_same":      []string{"Aux/rack=r1"},
			"select_filter.replicas_on_different": []string{"Aux/zone"},
		}},
		{"notPlaceWith", func(t *schema.Tier) { t.NotPlaceWith = []string{"legacy-db"} }, map[string]any{
			"select_filter.not_place_with_rsc": []string{"legacy-db"},
		}},
		{"disklessOnRemaining false is written", func(t *schema.Tier) { t.DisklessOnRemaining = ptr(false) }, map[string]any{
			"select_filter.diskless_on_remaining": false,
		}},
		{"disklessOnRemaining true", func(t *schema.Tier) { t.DisklessOnRemaining = ptr(true) }, map[string]any{
			"select_filter.diskless_on_remaining": true,
		}},
		{"drbd block", func(t *schema.Tier) {
			t.DRBD = schema.DRBD{Protocol: "A", Quorum: "2", OnNoQuorum: "suspend-io"}
		}, map[string]any{
			"props." + propProtocol:   "A",
			"props." + propQuorum:     "2",
			"props." + propOnNoQuorum: "suspend-io",
		}},
		{"quorum off", func(t *schema.Tier) { t.DRBD.Quorum = "off" }, map[string]any{
			"props." + propQuorum:     "off",
			"props." + propOnNoQuorum: absent,
		}},
		{"drbd zero values mean the defaults", func(t *schema.Tier) { t.DRBD = schema.DRBD{} }, map[string]any{
			"props." + propProtocol: "C",
			"props." + propQuorum:   "majority",
		}},
		{"properties in the server's normal form", func(t *schema.Tier) {
			t.Properties = map[string]string{
				"DrbdOptions/Net/allow-two-primaries":    "Yes",
				"DrbdOptions/auto-add-quorum-tiebreaker": "YES",
				"DrbdOptions/Disk/al-extents":            "06001",
				"Aux/team":                               "Storage <ops>",
				"FileSystem/Type":                        "xfs",
				"StorDriver/LvcreateOptions":             "--type raid1",
			}
		}, map[string]any{
			"props.DrbdOptions/Net/allow-two-primaries":    "yes",
			"props.DrbdOptions/auto-add-quorum-tiebreaker": "true",
			"props.DrbdOptions/Disk/al-extents":            "6001",
			"props.Aux/team":                               "Storage <ops>",
			"props.FileSystem/Type":                        "xfs",
			"props.StorDriver/LvcreateOptions":             "--type raid1",
		}},
		{"properties override drbd defaults", func(t *schema.Tier) {
			t.Properties = map[string]string{propProtocol: "A", propQuorum: "all"}
		}, map[string]any{
			"props." + propProtocol: "A",
			"props." + propQuorum:   "all",
		}},
		{"properties agreeing with the drbd block", func(t *schema.Tier) {
			t.DRBD.Protocol, t.Properties = "B", map[string]string{propProtocol: "B"}
		}, map[string]any{
			"props." + propProtocol: "B",
		}},
		{"no volumes", func(t *schema.Tier) { t.Volumes = nil }, map[string]any{
			"volume_groups": []any{},
		}},
		{"volumes with and without size", func(t *schema.Tier) {
			t.Volumes = []schema.Volume{{Size: "10G"}, {}, {Size: "512 mib"}}
		}, map[string]any{
			"volume_groups": []map[string]any{
				{"volume_number": 0, "props": map[string]string{PropSize: "10GiB"}},
				{"volume_number": 1},
				{"volume_number": 2, "props": map[string]string{PropSize: "512MiB"}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*schema.Tier)
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			obj := compileOne(t, singleTier(newTier("fast", mods...)), "prod", "fast")
			checkFields(t, jsonDoc(t, obj.Files[0].Data), tt.want)
		})
	}
}

// TestObject checks the artifact identity and file path.
func TestObject(t *testing.T) {
	cfg := singleTier(newTier("fast"))
	cfg.Environments["prod"].Linstor.ResourceGroupPrefix = "prod_"
	obj := compileOne(t, cfg, "prod", "prod_fast")
	if obj.System != artifact.SystemLinstor || obj.Kind != artifact.KindResourceGroup {
		t.Errorf("object %s/%s, want linstor/resource-group", obj.System, obj.Kind)
	}
	if len(obj.Files) != 1 || obj.Files[0].Path != "linstor/resource-groups/prod_fast.json" || obj.Files[0].Binary {
		t.Errorf("files %+v, want one text file linstor/resource-groups/prod_fast.json", obj.Files)
	}
	if got := ResourceGroupName(cfg, "prod", "fast"); got != "prod_fast" {
		t.Errorf("ResourceGroupName = %q, want prod_fast", got)
	}
}

// TestUnknownEnvironment is a plain error, not a user error.
func TestUnknownEnvironment(t *testing.T) {
	_, err := Compile(singleTier(newTier("fast")), "nowhere")
	if err == nil {
		t.Fatal("Compile(nowhere) succeeded")
	}
	if _, ok := err.(schema.Errors); ok {
		t.Errorf("Compile(nowhere) = schema.Errors %v, want a plain error", err)
	}
}
