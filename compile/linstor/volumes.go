package linstor

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/LINBIT/golinstor/client"
	"github.com/lingate/lingate/schema"
)

// sizeRE matches a whole number followed by a unit, such as 10GiB or 500 M.
var sizeRE = regexp.MustCompile(`^([0-9]+)\s*([A-Za-z]+)$`)

// sizeUnit is one unit a volume size may be written in.
type sizeUnit struct {
	name  string
	bytes int64
}

// sizeUnits maps each accepted spelling (lower-cased) to its unit. K, M, G, T
// and P (with or without i) are binary, as in LINSTOR's client; KB, MB, GB, TB
// and PB are decimal. Read-only.
var sizeUnits = map[string]sizeUnit{
	"b": {"B", 1},
	"k": {"KiB", 1 << 10}, "ki": {"KiB", 1 << 10}, "kib": {"KiB", 1 << 10}, "kb": {"KB", 1e3},
	"m": {"MiB", 1 << 20}, "mi": {"MiB", 1 << 20}, "mib": {"MiB", 1 << 20}, "mb": {"MB", 1e6},
	"g": {"GiB", 1 << 30}, "gi": {"GiB", 1 << 30}, "gib": {"GiB", 1 << 30}, "gb": {"GB", 1e9},
	"t": {"TiB", 1 << 40}, "ti": {"TiB", 1 << 40}, "tib": {"TiB", 1 << 40}, "tb": {"TB", 1e12},
	"p": {"PiB", 1 << 50}, "pi": {"PiB", 1 << 50}, "pib": {"PiB", 1 << 50}, "pb": {"PB", 1e15},
}

// ParseSize reads a volume size such as "10GiB", "500M" or "2TB" and returns it
// in KiB (rounded up; LINSTOR sizes volumes in KiB) and in its normal spelling
// ("10GiB", "500MiB", "2TB"), which is what the volume group prop holds.
func ParseSize(s string) (kib int64, normal string, err error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, "", fmt.Errorf("size %q: want a whole number and a unit, such as 10GiB", s)
	}
	unit, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, "", fmt.Errorf("size %q: unknown unit %q; use B, KiB, MiB, GiB, TiB, PiB (or K, M, G, T, P) or KB, MB, GB, TB, PB", s, m[2])
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > math.MaxInt64/unit.bytes {
		return 0, "", fmt.Errorf("size %q is too large", s)
	}
	if n == 0 {
		return 0, "", fmt.Errorf("size %q: a volume needs a size above zero", s)
	}
	bytes := n * unit.bytes
	return bytes/1024 + min(bytes%1024, 1), strconv.FormatInt(n, 10) + unit.name, nil
}

// volumeGroups maps a tier's volumes to volume groups 0..n-1; a size becomes
// the prop Aux/lingate/size.
func (c *checker) volumeGroups(t *schema.Tier) []client.VolumeGroup {
	vgs := make([]client.VolumeGroup, 0, len(t.Volumes))
	for i, v := range t.Volumes {
		vg := client.VolumeGroup{VolumeNumber: int32(i)}
		if v.Size != "" {
			_, normal, err := ParseSize(v.Size)
			if err != nil {
				c.fail(tierPath(t.Name, "volumes", i, "size"), "%v", err)
				continue
			}
			vg.Props = map[string]string{PropSize: normal}
		}
		vgs = append(vgs, vg)
	}
	return vgs
}
