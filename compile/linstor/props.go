package linstor

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Properties lingate writes on every resource group it manages. Aux/ keys pass
// LINSTOR's whitelist with any value.
const (
	// LingateNamespace holds lingate's own props; users cannot set keys in it.
	LingateNamespace = "Aux/lingate/"
	// PropManagedBy marks a resource group as lingate's; lingate changes nothing without it.
	PropManagedBy = LingateNamespace + "managed-by"
	// ManagedBy is the value of PropManagedBy.
	ManagedBy = "lingate"
	// PropEnvironment names the environment a resource group was compiled for, so
	// environments sharing one LINSTOR cluster never prune each other's groups.
	PropEnvironment = LingateNamespace + "environment"
	// PropTier names the tier a resource group was compiled from.
	PropTier = LingateNamespace + "tier"
	// PropCommit is the provenance prop the apply stage stamps; compiled files never
	// hold it and Normalize drops it, so plans never compare it.
	PropCommit = LingateNamespace + "commit"
	// PropSize is the volume group prop holding a tier volume's size.
	PropSize = LingateNamespace + "size"
)

// The props that drbd.protocol, drbd.quorum and drbd.onNoQuorum set.
const (
	propProtocol   = "DrbdOptions/Net/protocol"
	propQuorum     = "DrbdOptions/Resource/quorum"
	propOnNoQuorum = "DrbdOptions/Resource/on-no-quorum"
)

// maxKeyLen is LINSTOR's limit on a property key path.
const maxKeyLen = 256

// propKind says how LINSTOR checks a property's value and what it stores.
type propKind int

const (
	kindText     propKind = iota // any text, stored as sent
	kindEnum                     // a symbol, exact case; with ranged also a number in [min, max]
	kindRange                    // a whole number in [min, max]
	kindDrbdBool                 // yes or no in any case, stored lower-cased
	kindBool                     // true, false, yes or no in any case, stored as true or false
	kindRegex                    // text matching pattern
)

// propRule is LINSTOR's rule for one property's value.
type propRule struct {
	kind     propKind
	values   []string
	ranged   bool
	min, max int64
	pattern  *regexp.Regexp
}

func text() propRule                 { return propRule{kind: kindText} }
func drbdBool() propRule             { return propRule{kind: kindDrbdBool} }
func linstorBool() propRule          { return propRule{kind: kindBool} }
func enum(values ...string) propRule { return propRule{kind: kindEnum, values: values} }
func rng(lo, hi int64) propRule      { return propRule{kind: kindRange, ranged: true, min: lo, max: hi} }
func regex(p string) propRule        { return propRule{kind: kindRegex, pattern: regexp.MustCompile(p)} }

func enumOrRange(lo, hi int64, values ...string) propRule {
	return propRule{kind: kindEnum, values: values, ranged: true, min: lo, max: hi}
}

// extraProps are resource-definition level props LINSTOR accepts on resource
// groups that the OpenAPI description leaves out (linstor-common properties.json).
// Read-only.
var extraProps = map[string]propRule{
	"StorPoolNameDrbdMeta":                   regex(`^(\.internal|[a-zA-Z0-9_][a-zA-Z0-9_-]{2,47})$`),
	"NVMe/TRType":                            enum("rdma", "tcp"),
	"NVMe/Port":                              rng(1, 65535),
	"DrbdOptions/auto-add-quorum-tiebreaker": linstorBool(),
	"DrbdOptions/auto-diskful":               rng(0, math.MaxInt64),
	"DrbdOptions/auto-diskful-allow-cleanup": linstorBool(),
	"DrbdOptions/AutoEvictMinReplicaCount":   rng(0, math.MaxInt64),
	"BalanceResourcesEnabled":                linstorBool(),
	"sys/fs/blkio_throttle_read":             rng(0, math.MaxInt64),
	"sys/fs/blkio_throttle_write":            rng(0, math.MaxInt64),
	"sys/fs/blkio_throttle_read_iops":        rng(0, math.MaxInt64),
	"sys/fs/blkio_throttle_write_iops":       rng(0, math.MaxInt64),
}

// openNamespaces are the namespaces whose keys LINSTOR accepts on resource groups
// without lingate knowing each key.
var openNamespaces = []string{
	"Aux/", "AutoSnapshot/", "Autoplacer/", "BCache/", "Cache/", "DrbdOptions/", "DrbdProxy/",
	"EBS/", "FileSystem/", "Luks/", "NVMe/", "StorDriver/", "Writecache/", "sys/fs/",
}

// closedNamespaces are generated from drbdsetup's option list: a key in them must
// be one LINSTOR knows, so a typo is caught here and not by a failing apply.
var closedNamespaces = []string{
	"DrbdOptions/Disk/", "DrbdOptions/Handlers/", "DrbdOptions/Net/", "DrbdOptions/PeerDevice/", "DrbdOptions/Resource/",
}

// topLevelKeys are the keys without a namespace LINSTOR accepts on resource groups.
var topLevelKeys = []string{"BalanceResourcesEnabled", "BalanceResourcesSkipDiskLimit", "PeerSlotsNewResource", "StorPoolName", "StorPoolNameDrbdMeta"}

// refusedKeys are keys LINSTOR knows but that do not belong in a tier, with why.
var refusedKeys = map[string]string{
	"DrbdOptions/ExactSize":         "LINSTOR accepts it only on resource definitions, not on resource groups",
	"DrbdOptions/auto-quorum":       "LINSTOR deprecated it; use drbd.quorum and drbd.onNoQuorum",
	"DrbdOptions/Net/shared-secret": "secrets do not belong in policies; LINSTOR generates a shared secret for every resource itself",
}

// ruleFor returns LINSTOR's value rule for key, if lingate knows one.
func ruleFor(key string) (propRule, bool) {
	if r, ok := specProps[key]; ok {
		return r, true
	}
	r, ok := extraProps[key]
	return r, ok
}

// checkKey says why key cannot be set in a tier's properties, or "" when it can.
func checkKey(key string) string {
	if msg := keySyntax(key); msg != "" {
		return msg
	}
	if why, ok := refusedKeys[key]; ok {
		return why
	}
	if slices.Contains(closedNamespaces, key+"/") || slices.Contains(openNamespaces, key+"/") {
		return fmt.Sprintf("%s is a namespace, not a property (expected a key in it, such as %s/<option>)", key, key)
	}
	switch {
	case strings.HasPrefix(key, LingateNamespace):
		return fmt.Sprintf("the namespace %s is lingate's own (ownership markers); choose another Aux/ key", LingateNamespace)
	case strings.HasPrefix(key, "Internal/"):
		return "Internal/ props are set by LINSTOR itself"
	}
	if ns := namespaceOf(key, closedNamespaces); ns != "" {
		if _, ok := ruleFor(key); !ok {
			return fmt.Sprintf("LINSTOR knows no option %q in %s (the DRBD options it accepts are listed in its REST API for PUT /v1/resource-groups)", strings.TrimPrefix(key, ns), ns)
		}
		return ""
	}
	if namespaceOf(key, openNamespaces) != "" || slices.Contains(topLevelKeys, key) {
		return ""
	}
	return fmt.Sprintf("LINSTOR accepts on resource groups only keys in the namespaces %s or the keys %s",
		strings.Join(openNamespaces, ", "), strings.Join(topLevelKeys, ", "))
}

// keySyntax says what is wrong with the form of key, or "".
func keySyntax(key string) string {
	switch {
	case key == "":
		return "a property key cannot be empty"
	case len(key) > maxKeyLen:
		return fmt.Sprintf("a property key is at most %d bytes, this one has %d", maxKeyLen, len(key))
	case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "a property key cannot hold spaces or control characters"
	case strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "//"):
		return "a property key has no empty path segments (LINSTOR would collapse them and the plan would never settle)"
	}
	return ""
}

// namespaceOf returns the namespace of namespaces that key lies in, or "".
func namespaceOf(key string, namespaces []string) string {
	for _, ns := range namespaces {
		if strings.HasPrefix(key, ns) {
			return ns
		}
	}
	return ""
}

// normalizeProp returns value in the form LINSTOR stores for key, or why it is not valid.
func normalizeProp(key, value string) (string, error) {
	if value == "" {
		return "", fmt.Errorf("an empty value is not a setting; leave the key out")
	}
	r, ok := ruleFor(key)
	if !ok {
		return value, nil
	}
	return r.normalize(value)
}

// normalize checks v against the rule and returns what LINSTOR stores.
func (r propRule) normalize(v string) (string, error) {
	switch r.kind {
	case kindDrbdBool:
		return drbdBoolean(v)
	case kindBool:
		return linstorBoolean(v)
	case kindEnum, kindRange:
		return r.symbolOrNumber(v)
	case kindRegex:
		if !r.pattern.MatchString(v) {
			return "", fmt.Errorf("want a value matching %s, got %q", r.pattern, v)
		}
	}
	return v, nil
}

// drbdBoolean accepts yes or no in any case, as DRBD options do, and lower-cases it.
func drbdBoolean(v string) (string, error) {
	if l := strings.ToLower(v); l == "yes" || l == "no" {
		return l, nil
	}
	return "", fmt.Errorf("want yes or no (a DRBD boolean), got %q", v)
}

// linstorBoolean accepts true, false, yes or no in any case and returns true or false.
func linstorBoolean(v string) (string, error) {
	switch strings.ToLower(v) {
	case "true", "yes":
		return "true", nil
	case "false", "no":
		return "false", nil
	}
	return "", fmt.Errorf("want true or false, got %q", v)
}

// symbolOrNumber checks an enum symbol (exact case) or a number in range.
func (r propRule) symbolOrNumber(v string) (string, error) {
	if slices.Contains(r.values, v) {
		return v, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && r.ranged && n >= r.min && n <= r.max {
		return strconv.FormatInt(n, 10), nil
	}
	return "", fmt.Errorf("want %s, got %q", r.describe(), v)
}

// describe says in words which values the rule allows.
func (r propRule) describe() string {
	var parts []string
	if len(r.values) > 0 {
		parts = append(parts, "one of "+strings.Join(r.values, ", "))
	}
	if r.ranged {
		parts = append(parts, fmt.Sprintf("a whole number from %d to %d", r.min, r.max))
	}
	return strings.Join(parts, " or ")
}
