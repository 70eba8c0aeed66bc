package linstor

import (
	"fmt"
	"strings"

	"github.com/lingate/lingate/schema"
)

// LINSTOR's name lengths (ResourceGroupName, ResourceName, StorPoolName).
const (
	minNameLen     = 2
	minPoolNameLen = 3
	maxNameLen     = 48
)

// ResourceGroupName returns the resource group name of tier in env: the
// environment's resourceGroupPrefix followed by the tier name.
func ResourceGroupName(cfg *schema.Config, env, tier string) string {
	if e, ok := cfg.Environments[env]; ok && e != nil {
		return e.Linstor.ResourceGroupPrefix + tier
	}
	return tier
}

func isLetter(r rune) bool    { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isLeadChar(r rune) bool  { return isLetter(r) || r == '_' }
func isInnerChar(r rune) bool { return isLeadChar(r) || r >= '0' && r <= '9' || r == '-' }

// nameProblem says why LINSTOR would refuse name (minLen to 48 bytes, a letter
// or _ first, then letters, digits, _ and -, with at least one letter), or "".
func nameProblem(name string, minLen int) string {
	switch {
	case len(name) < minLen || len(name) > maxNameLen:
		return fmt.Sprintf("has %d bytes; LINSTOR allows %d to %d", len(name), minLen, maxNameLen)
	case !isLeadChar(rune(name[0])):
		return "must start with a letter or _"
	case strings.IndexFunc(name, func(r rune) bool { return !isInnerChar(r) }) >= 0:
		return "may hold only letters, digits, _ and -"
	case !strings.ContainsFunc(name, isLetter):
		return "must hold at least one letter"
	}
	return ""
}

// checkPrefix reports a resourceGroupPrefix that no resource group name could start with.
func (c *checker) checkPrefix(env, prefix string) bool {
	var problem string
	switch {
	case prefix == "":
		return true
	case !isLeadChar(rune(prefix[0])):
		problem = "must start with a letter or _, as LINSTOR names do"
	case strings.IndexFunc(prefix, func(r rune) bool { return !isInnerChar(r) }) >= 0:
		problem = "may hold only letters, digits, _ and -, as LINSTOR names do"
	case len(prefix) >= maxNameLen:
		problem = fmt.Sprintf("has %d bytes, leaving no room for a tier name in LINSTOR's %d", len(prefix), maxNameLen)
	default:
		return true
	}
	c.fail(prefixPath(env), "resourceGroupPrefix %q %s", prefix, problem)
	return false
}

// checkName reports a resource group name LINSTOR would refuse, at the prefix
// when the prefix makes it too long and at the tier otherwise.
func (c *checker) checkName(env, prefix, tier string) bool {
	name := prefix + tier
	problem := nameProblem(name, minNameLen)
	if problem == "" {
		return true
	}
	path, other := tierPath(tier), prefixPath(env)
	if prefix == "" {
		// The same in every environment without a prefix: one error, at the tier.
		c.fail(path, "resource group name %q of tier %s %s", name, tier, problem)
		return false
	}
	if len(name) > maxNameLen {
		path, other = other, path
	}
	c.failWith(path, other, "resource group name %q of tier %s in environment %s (resourceGroupPrefix %q + tier name) %s",
		name, tier, env, prefix, problem)
	return false
}

// groupRef is one resource group an environment deploys.
type groupRef struct{ env, tier, name string }

// groupsOf lists the resource groups env deploys.
func groupsOf(cfg *schema.Config, env string) []groupRef {
	var refs []groupRef
	for _, t := range cfg.TiersIn(env) {
		refs = append(refs, groupRef{env: env, tier: t.Name, name: ResourceGroupName(cfg, env, t.Name)})
	}
	return refs
}

// checkCollisions reports resource groups of env that are one object in LINSTOR
// (names are case-insensitive) with another of env's or with one of an
// environment that shares a LINSTOR controller with env.
func (c *checker) checkCollisions(env string) {
	seen := c.ownCollisions(env)
	for _, other := range c.cfg.EnvironmentNames() {
		ctrl := sharedController(c.cfg.Environments[env], c.cfg.Environments[other])
		if other == env || ctrl == "" {
			continue
		}
		for _, r := range groupsOf(c.cfg, other) {
			if mine, ok := seen[strings.ToUpper(r.name)]; ok {
				c.failWith(prefixPath(env), prefixPath(other),
					"resource group %q (tier %s) and resource group %q of environment %s (tier %s) are one object on LINSTOR controller %s, whose names are case-insensitive; give the environments different resourceGroupPrefix values",
					mine.name, mine.tier, r.name, other, r.tier, ctrl)
			}
		}
	}
}

// ownCollisions reports resource groups of env whose names differ only in
// case, and returns env's groups by upper-cased name.
func (c *checker) ownCollisions(env string) map[string]groupRef {
	seen := map[string]groupRef{}
	for _, r := range groupsOf(c.cfg, env) {
		key := strings.ToUpper(r.name)
		if o, ok := seen[key]; ok {
			c.failWith(tierPath(r.tier), tierPath(o.tier), "resource groups %q (tier %s) and %q (tier %s) are one object in LINSTOR, whose names are case-insensitive",
				r.name, r.tier, o.name, o.tier)
			continue
		}
		seen[key] = r
	}
	return seen
}

// sharedController returns a LINSTOR controller both environments use, or "".
// Sandbox environments each have their own emulated cluster.
func sharedController(a, b *schema.Environment) string {
	if a == nil || b == nil || a.Sandbox || b.Sandbox {
		return ""
	}
	for _, x := range a.Linstor.Controllers {
		for _, y := range b.Linstor.Controllers {
			if controllerKey(x) == controllerKey(y) {
				return x
			}
		}
	}
	return ""
}

// controllerKey is a controller URL in a form that compares equal for one controller.
func controllerKey(u string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(u)), "/")
}
