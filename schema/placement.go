package schema

import (
	"cmp"
	"strconv"
	"strings"
	"time"
)

// PlacementService is an environment's placement service: where its
// proxies ask which replica holds a request's data.
type PlacementService struct {
	// URL is the service's base URL; lookups go to URL + /v1/placement.
	URL string `json:"url"`
	// Timeout bounds one lookup, in milliseconds ("500ms").
	Timeout string `json:"timeout,omitempty"`
	// CacheTTL is how long Apigee keeps an answer, in seconds ("30s").
	CacheTTL string `json:"cacheTTL,omitempty"`
	// OnFailure is "fail-closed" (answer 503) or "default-target" (send
	// the call to the tier's default target) when a lookup fails.
	OnFailure string `json:"onFailure,omitempty"`
}

// Placement defaults.
const (
	DefaultPlacementTimeout  = "500ms"
	DefaultPlacementCacheTTL = "30s"
	PlacementFailClosed      = "fail-closed"
	PlacementDefaultTarget   = "default-target"
)

func (s *PlacementService) applyDefaults() {
	if s == nil {
		return
	}
	s.Timeout = cmp.Or(s.Timeout, DefaultPlacementTimeout)
	s.CacheTTL = cmp.Or(s.CacheTTL, DefaultPlacementCacheTTL)
	s.OnFailure = cmp.Or(s.OnFailure, PlacementFailClosed)
}

// TimeoutMillis is Timeout in milliseconds.
func (s *PlacementService) TimeoutMillis() int { return number(s.Timeout, "ms") }

// CacheSeconds is CacheTTL in seconds.
func (s *PlacementService) CacheSeconds() int { return number(s.CacheTTL, "s") }

// Duration is Timeout as a duration.
func (s *PlacementService) Duration() time.Duration {
	return time.Duration(s.TimeoutMillis()) * time.Millisecond
}

// number reads the schema-checked digits before unit (0 if unchecked).
func number(s, unit string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(s, unit))
	return n
}

// Placement says where a product's requests carry their placement key.
type Placement struct {
	Key PlacementKey `json:"key"`
}

// PlacementKey is exactly one of a request header, a JWT claim (OIDC
// products) or a segment of the path after the base path (0 first).
type PlacementKey struct {
	Header      string `json:"header,omitempty"`
	Claim       string `json:"claim,omitempty"`
	PathSegment *int   `json:"pathSegment,omitempty"`
}

// Kind names the source in use: "header", "claim" or "pathSegment" ("" for none).
func (k PlacementKey) Kind() string {
	switch {
	case k.Header != "":
		return "header"
	case k.Claim != "":
		return "claim"
	case k.PathSegment != nil:
		return "pathSegment"
	}
	return ""
}

// checkPlacement requires one key source, a JWT for a claim, and a
// placement service in each of the product's environments.
func checkPlacement(cfg *Config, p *Product) Errors {
	errs := checkNodeTargets(cfg, p)
	if p.Placement == nil {
		return errs
	}
	k := p.Placement.Key
	at := Path(SectionProducts, p.Name, "placement", "key")
	n := 0
	for _, set := range []bool{k.Header != "", k.Claim != "", k.PathSegment != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		errs = append(errs, cfg.Errorf(at, "%d key sources given (expected exactly one of header, claim, pathSegment)", n))
	}
	if k.Claim != "" && p.Auth.OIDC == nil {
		errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "placement", "key", "claim"),
			"a claim needs a verified JWT (expected auth.oidc, or a header or pathSegment key)"))
	}
	for i, env := range p.Environments {
		if e := cfg.Environments[env]; e != nil && e.Placement == nil {
			errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "environments", i),
				"environment %s has no placement service (expected environments.%s.placement.url, as the product sets placement)", env, env))
		}
	}
	return errs
}

// NodeTargets lists a product's per-node backends: under target (tier "")
// and under targets.<tier>, in name order.
func (p *Product) NodeTargets() []NodeTarget {
	var out []NodeTarget
	add := func(tier string, t *Target) {
		if t == nil {
			return
		}
		for _, n := range Names(t.Nodes) {
			out = append(out, NodeTarget{Tier: tier, Node: n, Target: t.Nodes[n]})
		}
	}
	add("", p.Target)
	for _, tier := range Names(p.Targets) {
		add(tier, p.Targets[tier])
	}
	return out
}

// NodeTarget is one per-node backend: for calls of Tier ("" for any tier)
// placed on Node.
type NodeTarget struct {
	Tier, Node string
	Target     *Target
}

// at is where the node target is written.
func (n NodeTarget) at(product string) string {
	if n.Tier == "" {
		return Path(SectionProducts, product, "target", "nodes", n.Node)
	}
	return Path(SectionProducts, product, "targets", n.Tier, "nodes", n.Node)
}

// checkNodeTargets requires placement for per-node backends, and each to
// be exactly one of url or server.
func checkNodeTargets(cfg *Config, p *Product) Errors {
	var errs Errors
	for _, n := range p.NodeTargets() {
		if p.Placement == nil {
			errs = append(errs, cfg.Errorf(n.at(p.Name), "per-node backend without placement (expected placement.key set on the product, so calls are placed on a node)"))
		}
		errs = append(errs, checkTarget(cfg, n.at(p.Name), n.Target)...)
	}
	return errs
}
