package linstor

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// specPropList reads the property list of PUT /v1/resource-groups/{resource_group}
// from LINSTOR's OpenAPI spec: key, type text and enum values.
func specPropList(t *testing.T) map[string]propRule {
	t.Helper()
	data, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "operationId: resourceGroupModify")
	if start < 0 {
		t.Fatal("spec has no resourceGroupModify")
	}
	text = text[start:]
	text = text[strings.Index(text, "Possible properties are:"):strings.Index(text, "responses:")]
	item := regexp.MustCompile("^\\s*- `([^`]+)` - (.*)$")
	value := regexp.MustCompile(`^\s*\* (.*)$`)
	bounds := regexp.MustCompile("`(\\d+)-(\\d+)`")
	out := map[string]propRule{}
	var key string
	for _, line := range strings.Split(text, "\n") {
		if m := item.FindStringSubmatch(line); m != nil {
			key = m[1]
			out[key] = parseSpecType(t, m[2], bounds)
		} else if m := value.FindStringSubmatch(line); m != nil && key != "" {
			r := out[key]
			r.values = append(r.values, m[1])
			out[key] = r
		}
	}
	return out
}

func parseSpecType(t *testing.T, typ string, bounds *regexp.Regexp) propRule {
	t.Helper()
	r := propRule{}
	switch {
	case strings.HasPrefix(typ, "regex["):
		r = regex(strings.Trim(strings.TrimPrefix(typ, "regex["), "`]"))
	case typ == "boolean":
		r.kind = kindDrbdBool
	case typ == "string":
		r.kind = kindText
	case strings.HasPrefix(typ, "enum"):
		r.kind = kindEnum
	case strings.HasPrefix(typ, "range"):
		r.kind = kindRange
	default:
		t.Fatalf("unknown property type %q in the spec", typ)
	}
	if m := bounds.FindStringSubmatch(typ); m != nil {
		r.ranged = true
		r.min, _ = strconv.ParseInt(m[1], 10, 64)
		r.max, _ = strconv.ParseInt(m[2], 10, 64)
	}
	return r
}

// TestPropTableMatchesSpec keeps specProps in step with LINSTOR's spec.
func TestPropTableMatchesSpec(t *testing.T) {
	fromSpec := specPropList(t)
	delete(fromSpec, "NVMe/enabled") // the spec labels NVMe/TRType and NVMe/Port so; extraProps has them
	if len(fromSpec) < 70 {
		t.Fatalf("read only %d properties from the spec", len(fromSpec))
	}
	for key, want := range fromSpec {
		got, ok := specProps[key]
		if !ok {
			t.Errorf("%s is in the spec but not in specProps", key)
			continue
		}
		if got.kind != want.kind || !slices.Equal(got.values, want.values) || got.ranged != want.ranged ||
			got.min != want.min || got.max != want.max || (got.pattern == nil) != (want.pattern == nil) ||
			got.pattern != nil && got.pattern.String() != want.pattern.String() {
			t.Errorf("%s: specProps has %+v, the spec says %+v", key, got, want)
		}
	}
	for key := range specProps {
		if _, ok := fromSpec[key]; !ok {
			t.Errorf("%s is in specProps but not in the spec", key)
		}
	}
}

// TestCheckKey covers the namespaces lingate accepts and refuses.
func TestCheckKey(t *testing.T) {
	ok := []string{
		"Aux/anything/at/all", "DrbdOptions/Net/protocol", "DrbdOptions/auto-diskful", "DrbdOptions/SomethingNew",
		"FileSystem/MkfsParams", "StorDriver/LvcreateOptions", "Autoplacer/MinThinFreeSpace", "AutoSnapshot/RunEvery",
		"Writecache/PoolName", "Cache/OpMode", "BCache/Size", "NVMe/TRType", "Luks/AllowDiscards", "EBS/VolumeType",
		"sys/fs/blkio_throttle_read", "DrbdProxy/CompressionType", "StorPoolName", "PeerSlotsNewResource",
		"BalanceResourcesEnabled",
	}
	for _, k := range ok {
		if msg := checkKey(k); msg != "" {
			t.Errorf("checkKey(%q) = %q, want it accepted", k, msg)
		}
	}
	refused := []string{
		"Internal/x", "Aux/lingate/managed-by", "DrbdOptions/Resource/no-such", "DrbdOptions/Handlers/nope",
		"Drbdoptions/Net/protocol", "aux/x", "Foo", "", " Aux/x", "Aux/x/", "/Aux/x",
	}
	for _, k := range refused {
		if msg := checkKey(k); msg == "" {
			t.Errorf("checkKey(%q) accepted it", k)
		}
	}
}

// TestNormalizeProp covers LINSTOR's value normal forms.
func TestNormalizeProp(t *testing.T) {
	tests := []struct{ key, in, want string }{
		{"DrbdOptions/Net/tcp-cork", "YES", "yes"},
		{"DrbdOptions/Net/tcp-cork", "No", "no"},
		{"DrbdOptions/auto-add-quorum-tiebreaker", "Yes", "true"},
		{"DrbdOptions/auto-add-quorum-tiebreaker", "FALSE", "false"},
		{"BalanceResourcesEnabled", "no", "false"},
		{"DrbdOptions/Resource/quorum", "majority", "majority"},
		{"DrbdOptions/Resource/quorum", "03", "3"},
		{"DrbdOptions/Resource/quorum-minimum-redundancy", "all", "all"},
		{"DrbdOptions/Resource/max-io-depth", "4294967295", "4294967295"},
		{"PeerSlotsNewResource", "7", "7"},
		{"NVMe/Port", "4420", "4420"},
		{"StorPoolNameDrbdMeta", ".internal", ".internal"},
		{"FileSystem/MkfsParams", "-b 4096", "-b 4096"},
		{"Aux/x", "Mixed Case", "Mixed Case"},
	}
	for _, tt := range tests {
		got, err := normalizeProp(tt.key, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("normalizeProp(%s, %q) = %q, %v; want %q", tt.key, tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []struct{ key, in string }{
		{"DrbdOptions/Resource/quorum", "0"},
		{"DrbdOptions/Resource/quorum", "Majority"},
		{"DrbdOptions/Net/protocol", "c"},
		{"DrbdOptions/Disk/al-extents", "66"},
		{"DrbdOptions/Disk/al-extents", "1e3"},
		{"PeerSlotsNewResource", "32"},
		{"StorPoolName", "ab"},
		{"DrbdOptions/Net/tcp-cork", "1"},
	} {
		if got, err := normalizeProp(bad.key, bad.in); err == nil {
			t.Errorf("normalizeProp(%s, %q) = %q, want an error", bad.key, bad.in, got)
		}
	}
}
