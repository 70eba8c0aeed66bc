package linstor

import (
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

// TestTierErrors checks that each problem in a tier is reported at the user's
// field path with a message that says what is wrong.
func TestTierErrors(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(*schema.Tier)
		path      string
		fragments []string
	}{
		{"no replicas", func(t *schema.Tier) { t.Replicas = 0 }, "tiers.fast.replicas", []string{"replicas is 0", "1 to 16"}},
		{"too many replicas", func(t *schema.Tier) { t.Replicas = 17 }, "tiers.fast.replicas", []string{"replicas is 17"}},
		{"one replica cannot spread", func(t *schema.Tier) {
			t.Replicas, t.ReplicasOnDifferent = 1, []string{"Aux/zone"}
		}, "tiers.fast.replicas", []string{"Aux/zone", "at least 2 replicas"}},
		{"same and different on one key", func(t *schema.Tier) {
			t.ReplicasOnSame, t.ReplicasOnDifferent = []string{"Aux/rack", "Aux/zone=a"}, []string{"Aux/zone"}
		}, "tiers.fast.replicasOnDifferent[0]", []string{"Aux/zone", "cannot ask for both"}},
		{"topology key twice", func(t *schema.Tier) { t.ReplicasOnSame = []string{"Aux/zone=a", "Aux/zone=b"} },
			"tiers.fast.replicasOnSame[1]", []string{"Aux/zone is listed twice"}},
		{"topology without value", func(t *schema.Tier) { t.ReplicasOnSame = []string{"Aux/zone="} },
			"tiers.fast.replicasOnSame[0]", []string{"no value"}},
		{"topology key with space", func(t *schema.Tier) { t.ReplicasOnDifferent = []string{"Aux zone"} },
			"tiers.fast.replicasOnDifferent[0]", []string{"not a node property key"}},
		{"pool name too short", func(t *schema.Tier) { t.StoragePools = []string{"ab"} },
			"tiers.fast.storagePools[0]", []string{`"ab"`, "has 2 bytes", "3 to 48"}},
		{"pool name with digit first", func(t *schema.Tier) { t.StoragePools = []string{"nvme", "1nvme"} },
			"tiers.fast.storagePools[1]", []string{"start with a letter or _"}},
		{"pool twice", func(t *schema.Tier) { t.StoragePools = []string{"nvme", "nvme"} },
			"tiers.fast.storagePools[1]", []string{"listed twice"}},
		{"pool diskful and diskless", func(t *schema.Tier) { t.DisklessPools = []string{"nvme-thin"} },
			"tiers.fast.disklessPools[0]", []string{"both as diskful", "diskless"}},
		{"unknown provider", func(t *schema.Tier) { t.Providers = []string{"LVM", "EXOS"} },
			"tiers.fast.providers[1]", []string{`"EXOS"`, "LVM_THIN"}},
		{"provider twice", func(t *schema.Tier) { t.Providers = []string{"LVM", "lvm"} },
			"tiers.fast.providers[1]", []string{"LVM is listed twice"}},
		{"no STORAGE layer", func(t *schema.Tier) { t.Layers = []string{"DRBD"} },
			"tiers.fast.layers", []string{"must include STORAGE"}},
		{"unknown layer", func(t *schema.Tier) { t.Layers = []string{"DRBD", "RAID", "STORAGE"} },
			"tiers.fast.layers[1]", []string{`"RAID"`, "DRBD, LUKS"}},
		{"layer twice", func(t *schema.Tier) { t.Layers = []string{"DRBD", "STORAGE", "DRBD"} },
			"tiers.fast.layers[2]", []string{"DRBD is listed twice"}},
		{"layer pair LINSTOR refuses", func(t *schema.Tier) { t.Layers = []string{"DRBD", "BCACHE", "CACHE", "STORAGE"} },
			"tiers.fast.layers", []string{"does not put CACHE directly below BCACHE"}},
		{"reserved resource name", func(t *schema.Tier) { t.NotPlaceWith = []string{"All"} },
			"tiers.fast.notPlaceWith[0]", []string{"reserved"}},
		{"bad resource name", func(t *schema.Tier) { t.NotPlaceWith = []string{"db", "legacy db"} },
			"tiers.fast.notPlaceWith[1]", []string{"only letters, digits"}},
		{"bad protocol", func(t *schema.Tier) { t.DRBD.Protocol = "D" },
			"tiers.fast.drbd.protocol", []string{"one of A, B, C", `"D"`}},
		{"quorum out of range", func(t *schema.Tier) { t.DRBD.Quorum = "33" },
			"tiers.fast.drbd.quorum", []string{"off, majority, all", "1 to 32"}},
		{"unknown quorum word", func(t *schema.Tier) { t.DRBD.Quorum = "most" },
			"tiers.fast.drbd.quorum", []string{`"most"`}},
		{"bad onNoQuorum", func(t *schema.Tier) { t.DRBD.OnNoQuorum = "panic" },
			"tiers.fast.drbd.onNoQuorum", []string{"io-error, suspend-io"}},
		{"drbd options without DRBD", func(t *schema.Tier) { t.Layers, t.DRBD.Protocol = []string{"STORAGE"}, "A" },
			"tiers.fast.drbd", []string{"need the DRBD layer"}},
		{"unknown namespace", func(t *schema.Tier) { t.Properties = map[string]string{"Foo/bar": "1"} },
			`tiers.fast.properties."Foo/bar"`, []string{`"Foo/bar"`, "Aux/", "DrbdOptions/", "StorPoolName"}},
		{"unknown key without namespace", func(t *schema.Tier) { t.Properties = map[string]string{"PlaceCount": "3"} },
			`tiers.fast.properties.PlaceCount`, []string{"only keys in the namespaces"}},
		{"DRBD option typo", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/Net/protcol": "C"} },
			`tiers.fast.properties."DrbdOptions/Net/protcol"`, []string{`no option "protcol" in DrbdOptions/Net/`}},
		{"Internal prop", func(t *schema.Tier) { t.Properties = map[string]string{"Internal/Drbd/QuorumSetBy": "user"} },
			`tiers.fast.properties."Internal/Drbd/QuorumSetBy"`, []string{"set by LINSTOR itself"}},
		{"lingate's namespace", func(t *schema.Tier) { t.Properties = map[string]string{PropCommit: "abc"} },
			`tiers.fast.properties."Aux/lingate/commit"`, []string{"lingate's own"}},
		{"RD-only prop", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/ExactSize": "yes"} },
			`tiers.fast.properties."DrbdOptions/ExactSize"`, []string{"only on resource definitions"}},
		{"deprecated prop", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/auto-quorum": "io-error"} },
			`tiers.fast.properties."DrbdOptions/auto-quorum"`, []string{"deprecated", "drbd.quorum"}},
		{"empty path segment", func(t *schema.Tier) { t.Properties = map[string]string{"Aux//team": "a"} },
			`tiers.fast.properties."Aux//team"`, []string{"empty path segments"}},
		{"key too long", func(t *schema.Tier) { t.Properties = map[string]string{"Aux/" + strings.Repeat("k", 253): "a"} },
			`tiers.fast.properties."Aux/` + strings.Repeat("k", 253) + `"`, []string{"at most 256 bytes"}},
		{"empty value", func(t *schema.Tier) { t.Properties = map[string]string{"Aux/team": ""} },
			`tiers.fast.properties."Aux/team"`, []string{"empty value"}},
		{"DRBD boolean", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/Net/tcp-cork": "true"} },
			`tiers.fast.properties."DrbdOptions/Net/tcp-cork"`, []string{"want yes or no"}},
		{"LINSTOR boolean", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/auto-add-quorum-tiebreaker": "on"} },
			`tiers.fast.properties."DrbdOptions/auto-add-quorum-tiebreaker"`, []string{"want true or false"}},
		{"range", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/Net/ping-int": "121"} },
			`tiers.fast.properties."DrbdOptions/Net/ping-int"`, []string{"from 1 to 120", `"121"`}},
		{"enum case", func(t *schema.Tier) { t.Properties = map[string]string{"FileSystem/Type": "XFS"} },
			`tiers.fast.properties."FileSystem/Type"`, []string{"one of ext4, xfs"}},
		{"regex", func(t *schema.Tier) { t.Properties = map[string]string{"StorPoolName": "a b"} },
			`tiers.fast.properties.StorPoolName`, []string{"want a value matching"}},
		{"protocol set twice", func(t *schema.Tier) {
			t.DRBD.Protocol, t.Properties = "A", map[string]string{propProtocol: "B"}
		}, `tiers.fast.properties."DrbdOptions/Net/protocol"`, []string{`is "B" here`, "tiers.fast.drbd.protocol", `"A"`}},
		{"quorum set twice", func(t *schema.Tier) {
			t.DRBD.Quorum, t.Properties = "2", map[string]string{propQuorum: "majority"}
		}, `tiers.fast.properties."DrbdOptions/Resource/quorum"`, []string{"tiers.fast.drbd.quorum"}},
		{"onNoQuorum set twice", func(t *schema.Tier) {
			t.DRBD.OnNoQuorum, t.Properties = "io-error", map[string]string{propOnNoQuorum: "suspend-io"}
		}, `tiers.fast.properties."DrbdOptions/Resource/on-no-quorum"`, []string{"tiers.fast.drbd.onNoQuorum"}},
		{"size without unit", func(t *schema.Tier) { t.Volumes = []schema.Volume{{}, {Size: "10"}} },
			"tiers.fast.volumes[1].size", []string{"a whole number and a unit"}},
		{"size with unknown unit", func(t *schema.Tier) { t.Volumes = []schema.Volume{{Size: "10 EiB"}} },
			"tiers.fast.volumes[0].size", []string{`unknown unit "EiB"`}},
		{"zero size", func(t *schema.Tier) { t.Volumes = []schema.Volume{{Size: "0GiB"}} },
			"tiers.fast.volumes[0].size", []string{"above zero"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := compileErrors(t, singleTier(newTier("fast", tt.mod)), "prod")
			if _, ok := findError(errs, tt.path, tt.fragments...); !ok {
				t.Errorf("want an error at %s with %q, got:\n%v", tt.path, tt.fragments, errs)
			}
		})
	}
}

// TestSecretNotEchoed checks that a DRBD shared secret in properties is refused without repeating it.
func TestSecretNotEchoed(t *testing.T) {
	const secret = "hunter2-very-secret"
	tier := newTier("fast", func(t *schema.Tier) { t.Properties = map[string]string{"DrbdOptions/Net/shared-secret": secret} })
	errs := compileErrors(t, singleTier(tier), "prod")
	if _, ok := findError(errs, `tiers.fast.properties."DrbdOptions/Net/shared-secret"`, "secrets do not belong"); !ok {
		t.Errorf("want the shared secret refused, got %v", errs)
	}
	if strings.Contains(errs.Error(), secret) {
		t.Errorf("error output repeats the secret: %v", errs)
	}
}

// TestAllErrorsReported checks that every problem of a tier comes back, sorted, not only the first.
func TestAllErrorsReported(t *testing.T) {
	tier := newTier("fast", func(t *schema.Tier) {
		t.Replicas = 0
		t.Providers = []string{"NOPE"}
		t.Properties = map[string]string{"Foo/x": "1", "DrbdOptions/Net/tcp-cork": "maybe"}
		t.Volumes = []schema.Volume{{Size: "big"}}
	})
	errs := compileErrors(t, singleTier(tier), "prod")
	want := []string{
		`tiers.fast.properties."DrbdOptions/Net/tcp-cork"`,
		`tiers.fast.properties."Foo/x"`,
		"tiers.fast.providers[0]",
		"tiers.fast.replicas",
		"tiers.fast.volumes[0].size",
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Path)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("error paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDefaultsYieldToProperties checks that drbd values equal to the
// language's defaults never conflict with properties, which win.
func TestDefaultsYieldToProperties(t *testing.T) {
	tier := newTier("fast", func(t *schema.Tier) {
		t.Properties = map[string]string{propProtocol: "B", propQuorum: "off"}
	})
	doc := jsonDoc(t, compileOne(t, singleTier(tier), "prod", "fast").Files[0].Data)
	checkFields(t, doc, map[string]any{"props." + propProtocol: "B", "props." + propQuorum: "off"})
}
