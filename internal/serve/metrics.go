package serve

import (
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// The metrics serve exposes from the last state read.
var (
	descProduct = prometheus.NewDesc("lingate_product_info",
		"1 for each product deployed to an environment: its proxy, base path, tier and the tier's resource group.",
		[]string{"env", "product", "proxy", "base_path", "tier", "resource_group"}, nil)
	descRole = prometheus.NewDesc("lingate_role_info",
		"1 for each role's grant on a product deployed to an environment, with the role's tier.",
		[]string{"env", "role", "product", "tier"}, nil)
	descTierResources = prometheus.NewDesc("lingate_tier_resources",
		"Resources spawned from a tier's resource group, by health: healthy, degraded (fewer UpToDate diskful replicas than the place count, or a replica on an offline node) or failed (no UpToDate replica).",
		[]string{"env", "tier", "resource_group", "health"}, nil)
	descGroupFound = prometheus.NewDesc("lingate_resource_group_present",
		"1 when the tier's resource group exists on the LINSTOR controller, 0 when it does not.",
		[]string{"env", "tier", "resource_group"}, nil)
	descPoolFree = prometheus.NewDesc("lingate_storage_pool_free_bytes",
		"Free capacity of a storage pool of a tier on one node.", []string{"env", "tier", "node", "pool"}, nil)
	descPoolTotal = prometheus.NewDesc("lingate_storage_pool_total_bytes",
		"Total capacity of a storage pool of a tier on one node.", []string{"env", "tier", "node", "pool"}, nil)
	descNodes = prometheus.NewDesc("lingate_nodes",
		"LINSTOR satellites by connection state (online, offline).", []string{"env", "state"}, nil)
	descNodeOnline = prometheus.NewDesc("lingate_node_online",
		"1 when the LINSTOR satellite is connected (ONLINE), 0 otherwise.", []string{"env", "node"}, nil)
	descDriftCount = prometheus.NewDesc("lingate_drift_objects",
		"Managed objects whose live state differs from the policies, by system and kind.",
		[]string{"env", "system", "kind"}, nil)
	descDrift = prometheus.NewDesc("lingate_drift",
		"1 for each object that differs from the policies, with what an apply would do (create, update, replace, delete, foreign); objects that match have no series.",
		[]string{"env", "system", "kind", "name", "action"}, nil)
	descRevision = prometheus.NewDesc("lingate_proxy_deployed_revision",
		"Revision of the proxy deployed in the Apigee environment; 0 when none is.", []string{"env", "proxy"}, nil)
	descIsDesired = prometheus.NewDesc("lingate_proxy_revision_desired",
		"1 when the deployed revision is the one lingate built from the policies, 0 otherwise.", []string{"env", "proxy"}, nil)
	descDeployState = prometheus.NewDesc("lingate_proxy_deployment_state",
		"1 for the proxy's deployment state (READY, PROGRESSING, ERROR, NOT_DEPLOYED).", []string{"env", "proxy", "state"}, nil)
	descLastRead = prometheus.NewDesc("lingate_last_successful_read_timestamp_seconds",
		"When the system of the environment was last read successfully (Unix time); absent before the first.",
		[]string{"env", "system"}, nil)
	descStale = prometheus.NewDesc("lingate_read_stale",
		"1 when the last read of the system failed and its other series hold the last values known, 0 when they are current.",
		[]string{"env", "system"}, nil)
	descUp = prometheus.NewDesc("lingate_read_up",
		"1 when the last read of the system succeeded, 0 when it failed or has not yet succeeded.",
		[]string{"env", "system"}, nil)
)

// stateCollector is the Collector seen as a prometheus.Collector of the
// state read. It is unchecked: its series depend on what was read.
type stateCollector Collector

// Describe sends nothing: the series vary with the state read.
func (*stateCollector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the series of every environment, in a fixed order.
func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c := (*Collector)(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, env := range c.opts.Envs {
		e := c.envs[env]
		emitJoins(ch, env, e.Joins)
		emitBackupIntervals(ch, env, e.Joins)
		for _, sys := range Systems {
			emitSystem(ch, env, sys, e.Joins, e.Systems[sys])
		}
	}
	emitLastApply(ch, c.opts.Root, c.opts.Envs)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func emitJoins(ch chan<- prometheus.Metric, env string, j joins) {
	for _, p := range j.Products {
		gauge(ch, descProduct, 1, env, p.Product, p.Proxy, p.BasePath, p.Tier, p.ResourceGroup)
	}
	for _, r := range j.Roles {
		gauge(ch, descRole, 1, env, r.Role, r.Product, r.Tier)
	}
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// emitSystem sends one system's series: its read status, and when it was
// ever read, its last values.
func emitSystem(ch chan<- prometheus.Metric, env, sys string, j joins, st *systemState) {
	gauge(ch, descUp, bit(st != nil && !st.Stale), env, sys)
	if st == nil {
		return
	}
	gauge(ch, descStale, bit(st.Stale), env, sys)
	gauge(ch, descLastRead, float64(st.Read.UnixNano())/1e9, env, sys)
	emitDrift(ch, env, sys, st)
	if st.Health != nil {
		emitHealth(ch, env, j, st)
		emitLastBackups(ch, env, j, st)
	}
	for _, p := range st.Proxies {
		gauge(ch, descRevision, float64(p.Revision), env, p.Proxy)
		gauge(ch, descIsDesired, bit(p.Desired), env, p.Proxy)
		gauge(ch, descDeployState, 1, env, p.Proxy, p.State)
	}
}

func emitDrift(ch chan<- prometheus.Metric, env, sys string, st *systemState) {
	counts := map[string]int{}
	for _, k := range st.Kinds {
		counts[k] = 0
	}
	for _, d := range st.Drift {
		counts[d.Kind]++
		gauge(ch, descDrift, 1, env, d.System, d.Kind, d.Name, d.Action)
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		gauge(ch, descDriftCount, float64(counts[k]), env, sys, k)
	}
}

func emitHealth(ch chan<- prometheus.Metric, env string, j joins, st *systemState) {
	h := st.Health
	online := 0
	for _, n := range h.Nodes {
		gauge(ch, descNodeOnline, bit(n.Online), env, n.Name)
		if n.Online {
			online++
		}
	}
	gauge(ch, descNodes, float64(online), env, "online")
	gauge(ch, descNodes, float64(len(h.Nodes)-online), env, "offline")
	for _, t := range j.Tiers {
		for _, g := range h.Groups {
			if g.Group != t.Group {
				continue
			}
			gauge(ch, descGroupFound, bit(g.Found), env, t.Tier, t.Group)
			gauge(ch, descTierResources, float64(g.Healthy), env, t.Tier, t.Group, "healthy")
			gauge(ch, descTierResources, float64(g.Degraded), env, t.Tier, t.Group, "degraded")
			gauge(ch, descTierResources, float64(g.Failed), env, t.Tier, t.Group, "failed")
		}
		for _, p := range h.Pools {
			if slices.Contains(t.Pools, p.Pool) {
				gauge(ch, descPoolFree, float64(p.FreeBytes), env, t.Tier, p.Node, p.Pool)
				gauge(ch, descPoolTotal, float64(p.TotalBytes), env, t.Tier, p.Node, p.Pool)
			}
		}
	}
}

// buildInfo is lingate_build_info: 1, with the version and Go's.
func buildInfo(version string) prometheus.Collector {
	revision := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "lingate_build_info",
		Help:        "1, labelled with lingate's version, the commit it was built from and the Go version.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()}})
	g.Set(1)
	return g
}
