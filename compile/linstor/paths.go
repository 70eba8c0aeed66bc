package linstor

import (
	"fmt"
	"regexp"
	"strconv"
)

// identRE matches CUE labels that need no quotes.
var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// label renders one CUE field label, quoted unless it is a plain identifier.
func label(s string) string {
	if identRE.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

// tierPath is the CUE path of a tier field, e.g. tiers.fast.drbd.protocol.
func tierPath(tier string, fields ...string) string {
	p := "tiers." + label(tier)
	for _, f := range fields {
		p += "." + f
	}
	return p
}

// propPath is the CUE path of one key of a tier's properties.
func propPath(tier, key string) string {
	return tierPath(tier, "properties", label(key))
}

// index is the CUE path of one element of a list.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// prefixPath is the CUE path of an environment's resource group prefix.
func prefixPath(env string) string {
	return "environments." + label(env) + ".linstor.resourceGroupPrefix"
}
