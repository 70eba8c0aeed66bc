package linstor

import (
	"cmp"
	"slices"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Defaults of the drbd block (policies.md); the loader fills them in.
const (
	defaultProtocol = "C"
	defaultQuorum   = "majority"
)

// namedProp is a prop that a named tier field sets.
type namedProp struct {
	key, value string
	path       string // the field's CUE path
	isDefault  bool   // the value is the language's default, which properties may override
}

// props builds a tier's resource group props: the ownership markers, the props
// of the drbd block, and the tier's own properties in LINSTOR's normal form.
func (c *checker) props(env string, t *schema.Tier, layers []string) map[string]string {
	props := map[string]string{PropManagedBy: ManagedBy, PropEnvironment: env, PropTier: t.Name}
	user := c.userProps(t)
	for _, np := range c.drbdProps(t, layers) {
		v, set := user[np.key]
		switch {
		case !set:
			props[np.key] = np.value
		case v != np.value && !np.isDefault:
			c.failWith(propPath(t.Name, np.key), np.path,
				"property %q is %q here, but %s sets it to %q; set it in one place", np.key, v, np.path, np.value)
		}
	}
	for k, v := range user {
		props[k] = v
	}
	return props
}

// userProps checks a tier's properties and returns them in LINSTOR's normal form.
func (c *checker) userProps(t *schema.Tier) map[string]string {
	out := map[string]string{}
	for _, key := range schema.Names(t.Properties) {
		path := propPath(t.Name, key)
		if msg := checkKey(key); msg != "" {
			c.fail(path, "property %q: %s", key, msg)
			continue
		}
		v, err := normalizeProp(key, t.Properties[key])
		if err != nil {
			c.fail(path, "property %q: %v", key, err)
			continue
		}
		out[key] = v
	}
	return out
}

// drbdProps maps the drbd block to DrbdOptions props. Without the DRBD layer
// they mean nothing: defaults are left out and anything else is an error.
// layers is nil when the stack was already reported as invalid.
func (c *checker) drbdProps(t *schema.Tier, layers []string) []namedProp {
	d := t.DRBD
	protocol := namedProp{key: propProtocol, value: cmp.Or(d.Protocol, defaultProtocol), path: tierPath(t.Name, "drbd", "protocol")}
	quorum := namedProp{key: propQuorum, value: cmp.Or(string(d.Quorum), defaultQuorum), path: tierPath(t.Name, "drbd", "quorum")}
	protocol.isDefault = c.leftToDefault(protocol, defaultProtocol)
	quorum.isDefault = c.leftToDefault(quorum, defaultQuorum)
	named := []namedProp{protocol, quorum}
	if d.OnNoQuorum != "" {
		named = append(named, namedProp{key: propOnNoQuorum, value: d.OnNoQuorum, path: tierPath(t.Name, "drbd", "onNoQuorum")})
	}
	if layers != nil && !slices.Contains(layers, "DRBD") {
		if slices.ContainsFunc(named, func(np namedProp) bool { return !np.isDefault }) {
			c.fail(tierPath(t.Name, "drbd"), "drbd options need the DRBD layer, and the layers are %s", strings.Join(layers, ", "))
		}
		return nil
	}
	return c.checkNamed(named)
}

// leftToDefault reports whether the user left np to its default. Configs
// built in Go carry no source; for them a value equal to the default counts.
func (c *checker) leftToDefault(np namedProp, def string) bool {
	if wrote, known := c.cfg.Wrote(np.path); known {
		return !wrote
	}
	return np.value == def
}

// checkNamed validates the values of named props and returns them in normal form.
func (c *checker) checkNamed(named []namedProp) []namedProp {
	var out []namedProp
	for _, np := range named {
		v, err := normalizeProp(np.key, np.value)
		if err != nil {
			c.fail(np.path, "%v", err)
			continue
		}
		np.value = v
		out = append(out, np)
	}
	return out
}
