package cli

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/internal/placement"
	"github.com/lingate/lingate/internal/serve"
)

// serveOptions are the flags of lingate serve.
type serveOptions struct {
	envs     []string
	addr     string
	interval time.Duration
	timeout  time.Duration
	head     string
	// placementTokenFile holds the placement service's bearer token
	// (default: $LINGATE_PLACEMENT_TOKEN).
	placementTokenFile string
}

func newServeCmd(e *env) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Expose live tier health, drift and deployments as Prometheus metrics",
		Long: `Serve reads, every --interval, the live state of each environment (--env,
default all) with the same read-only calls a live plan makes, and serves
Prometheus metrics on --addr at /metrics, with /healthz (liveness: 200
while running) and /readyz (readiness: 200 once every environment's
systems were read once).

Metrics join products to proxies, tiers and resource groups
(lingate_product_info, lingate_role_info), count the resources spawned from
each tier's resource group by health (lingate_tier_resources), give storage
pool capacities, nodes online and offline, drift from the policies
(lingate_drift_objects, lingate_drift for each differing object only), each
proxy's deployed revision and state, and lingate's own reads
(lingate_read_up, lingate_read_stale, lingate_read_errors_total,
lingate_last_successful_read_timestamp_seconds, lingate_read_duration_seconds).
A failed read keeps the last values, marked stale, and never stops the
process. Credentials are those of plan and apply (APIGEE_ACCESS_TOKEN or
Application Default Credentials, LS_* variables); read-only ones suffice.
Sandbox environments are read from their state beside the policies folder.

In environments with a placement service (environments.<env>.placement),
serve also answers GET /v1/placement?env=E&tier=T&key=K from its view of
LINSTOR, refreshed with each read: the resource of the tier's resource
group holding the key, the nodes with an UpToDate diskful replica and the
preferred node, as JSON. Callers present the bearer token read from
--placement-token-file or LINGATE_PLACEMENT_TOKEN (see docs/placement.md).
See docs/serve.md for the metrics, the container image and the systemd unit.`,
		Example: `  lingate serve --env sandbox
  lingate serve --env staging --env prod --addr 0.0.0.0:9470 --interval 1m
  lingate serve --head origin/main --interval 30s
  LINGATE_PLACEMENT_TOKEN=$(cat token) lingate serve --env prod --addr 0.0.0.0:9470
  lingate serve --env prod --placement-token-file /run/secrets/placement-token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, e, opts) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.envs, "env", nil, "environment `NAME` to read (repeatable; default all)")
	f.StringVar(&opts.addr, "addr", "127.0.0.1:9470", "`HOST:PORT` to serve metrics on")
	f.DurationVar(&opts.interval, "interval", time.Minute, "time `DUR` between reads")
	f.DurationVar(&opts.timeout, "timeout", time.Minute, "longest `DUR` one environment's read may take")
	f.StringVar(&opts.placementTokenFile, "placement-token-file", "", "`FILE` holding the bearer token of GET /v1/placement (default: $LINGATE_PLACEMENT_TOKEN)")
	f.StringVar(&opts.head, "head", "", "compare live state with the policies at this git `REV` (default: the policies folder as it is)")
	return cmd
}

func runServe(cmd *cobra.Command, e *env, opts serveOptions) error {
	if opts.interval <= 0 || opts.timeout <= 0 {
		return fmt.Errorf("serve: --interval %s and --timeout %s: expected positive durations", opts.interval, opts.timeout)
	}
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return err
	}
	envs := opts.envs
	if len(envs) == 0 {
		envs = cfg.EnvironmentNames()
	}
	for _, name := range envs {
		if !slices.Contains(cfg.EnvironmentNames(), name) {
			return fmt.Errorf("serve: --env %s: no such environment (declared: %s)", name, strings.Join(cfg.EnvironmentNames(), ", "))
		}
	}
	live, err := e.liveOptions(nil, nil, opts.head)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	logf := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(e.stderr, "%s %s\n", time.Now().UTC().Format(time.RFC3339), line)
	}
	sopts := serve.Options{Live: live, Envs: envs, Root: policiesRoot(e.policies), Version: version(),
		Timeout: opts.timeout, Log: logf}
	if tiers := placement.TiersOf(cfg, envs); len(tiers) > 0 {
		token, err := placement.LoadToken(opts.placementTokenFile)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		view := placement.NewView(tiers)
		// a view older than a few missed reads may name failed nodes
		view.MaxAge = 3*opts.interval + opts.timeout
		sopts.AfterHealth = placement.Refresher(view)
		sopts.Handlers = map[string]http.Handler{placement.Path: placement.NewHandler(view, token)}
	}
	c := serve.New(sopts)
	return c.Run(cmd.Context(), opts.addr, opts.interval, func(a net.Addr) {
		fmt.Fprintf(e.stdout, "lingate serve: metrics on http://%s/metrics for %s, read every %s\n", a, strings.Join(envs, ", "), opts.interval)
	})
}
