package linstor

import (
	"cmp"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// layerBelow lists, for each LINSTOR layer, the layers allowed directly below
// it (LINSTOR's LayerUtils graph). Every stack ends with STORAGE. Read-only.
var layerBelow = map[string][]string{
	"DRBD":       {"NVME", "LUKS", "STORAGE", "WRITECACHE", "CACHE", "BCACHE"},
	"NVME":       {"LUKS", "STORAGE", "WRITECACHE", "CACHE", "BCACHE"},
	"WRITECACHE": {"NVME", "LUKS", "STORAGE", "CACHE", "BCACHE"},
	"CACHE":      {"NVME", "LUKS", "STORAGE", "WRITECACHE", "BCACHE"},
	"BCACHE":     {"NVME", "LUKS", "STORAGE", "WRITECACHE"},
	"LUKS":       {"STORAGE"},
	"STORAGE":    nil,
}

// layerAliases are the other spellings LINSTOR accepts and rewrites. Read-only.
var layerAliases = map[string]string{"CRYPT": "LUKS", "CRYPT_SETUP": "LUKS", "LVM": "STORAGE", "SPDK": "STORAGE", "ZFS": "STORAGE"}

// layerNames is LINSTOR's layer list, for messages.
const layerNames = "DRBD, LUKS, STORAGE, NVME, WRITECACHE, CACHE, BCACHE"

// layerRank is a layer's place in LINSTOR's order: DRBD on top, the transport
// and cache layers below it, LUKS directly above STORAGE, STORAGE last.
func layerRank(l string) int {
	switch l {
	case "DRBD":
		return 0
	case "LUKS":
		return 2
	case "STORAGE":
		return 3
	}
	return 1
}

// canonicalLayer returns LINSTOR's name for a layer, accepting any case and its aliases.
func canonicalLayer(l string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(l))
	if a, ok := layerAliases[u]; ok {
		u = a
	}
	_, ok := layerBelow[u]
	return u, ok
}

// layerStack returns the tier's layer_stack in LINSTOR's order, with LUKS
// added above STORAGE when the tier is encrypted, or false after reporting why
// LINSTOR would refuse it.
func (c *checker) layerStack(t *schema.Tier) ([]string, bool) {
	path, n := tierPath(t.Name, "layers"), c.count()
	var stack []string
	for i, l := range t.Layers {
		canon, ok := canonicalLayer(l)
		switch {
		case !ok:
			c.fail(tierPath(t.Name, "layers", i), "unknown layer %q; LINSTOR's layers are %s", l, layerNames)
		case slices.Contains(stack, canon):
			c.fail(tierPath(t.Name, "layers", i), "layer %s is listed twice", canon)
		default:
			stack = append(stack, canon)
		}
	}
	if t.Encrypted && !slices.Contains(stack, "LUKS") {
		stack = append(stack, "LUKS")
	}
	if c.count() > n {
		return nil, false
	}
	slices.SortStableFunc(stack, func(a, b string) int { return cmp.Compare(layerRank(a), layerRank(b)) })
	return stack, c.checkStack(path, stack)
}

// checkStack reports a stack LINSTOR would refuse when it spawns a resource.
func (c *checker) checkStack(path string, stack []string) bool {
	if !slices.Contains(stack, "STORAGE") {
		c.fail(path, "layers must include STORAGE, the bottom of every LINSTOR layer stack")
		return false
	}
	for i := 0; i+1 < len(stack); i++ {
		if !slices.Contains(layerBelow[stack[i]], stack[i+1]) {
			c.fail(path, "LINSTOR does not put %s directly below %s (layer stack %s)", stack[i+1], stack[i], strings.Join(stack, ", "))
			return false
		}
	}
	return true
}
