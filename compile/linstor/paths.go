package linstor

import "github.com/lingate/lingate/schema"

// tierPath is the CUE path of a tier field, e.g. tiers.fast.layers[1]
// (elements are field names or list indexes).
func tierPath(tier string, elems ...any) string {
	return schema.Path(append([]any{"tiers", tier}, elems...)...)
}

// propPath is the CUE path of one key of a tier's properties.
func propPath(tier, key string) string {
	return tierPath(tier, "properties", key)
}

// prefixPath is the CUE path of an environment's resource group prefix.
func prefixPath(env string) string {
	return schema.Path("environments", env, "linstor", "resourceGroupPrefix")
}
