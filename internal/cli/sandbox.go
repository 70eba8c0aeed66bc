package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/internal/emulator/apigee"
	"github.com/lingate/lingate/internal/sandbox"
	"github.com/lingate/lingate/schema"
)

func newSandboxCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Work with the embedded Apigee and LINSTOR emulators of sandbox environments",
		Example: `  lingate sandbox serve
  lingate sandbox serve --env sandbox --faults 0.1`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSandboxServeCmd(e), newSandboxNodeCmd(e))
	return cmd
}

// sandboxServeOptions are the flags of lingate sandbox serve.
type sandboxServeOptions struct {
	env         string
	state       string
	apigeeAddr  string
	linstorAddr string
	faults      float64
	seed        uint64
	latency     time.Duration
}

func newSandboxServeCmd(e *env) *cobra.Command {
	var opts sandboxServeOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the emulators of a sandbox environment over HTTP until stopped",
		Long: `Serve runs the embedded Apigee management API and LINSTOR controller on
loopback, with the state of a sandbox environment (--env, kept in
.lingate/sandbox/<env>/ beside the policies folder) or of any folder (--state).
Only one process serves a state folder at a time.

The Apigee organization and environment are the sandbox environment's
(organization "sandbox" unless it names another, environment its
apigee.environment or its own name), with the TargetServers its products
name; any other organization or environment is answered as the real API
does (403 or 404).

--faults RATE fails that share of requests as each real system fails: Apigee
with Google JSON errors (429 RESOURCE_EXHAUSTED with Retry-After, 500
INTERNAL, 503 UNAVAILABLE), LINSTOR with 500 and an ApiCallRc array; either
may drop the connection, before handling the request or after committing its
change (the answer is lost), and a committed change may also come back as a
5xx. Each emulator draws from its own stream of --seed.

A new LINSTOR cluster has three nodes in three zones (Aux/zone) holding every
storage pool the policies name. Ctrl-C (SIGINT) or SIGTERM lets in-flight
requests finish, saves the state and exits 0.`,
		Example: `  lingate sandbox serve
  lingate sandbox serve --env sandbox --apigee-addr 127.0.0.1:9000 --linstor-addr 127.0.0.1:9001
  lingate sandbox serve --state /tmp/sandbox-state --faults 0.2 --seed 7 --latency 50ms
  curl -s http://127.0.0.1:3370/v1/resource-groups`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSandboxServe(cmd, e, opts) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.env, "env", "", "sandbox environment `NAME` (default: the only sandbox environment)")
	f.StringVar(&opts.state, "state", "", "state `DIR` to serve instead of an environment's")
	f.StringVar(&opts.apigeeAddr, "apigee-addr", "127.0.0.1:8470", "loopback `HOST:PORT` for the Apigee management API")
	f.StringVar(&opts.linstorAddr, "linstor-addr", "127.0.0.1:3370", "loopback `HOST:PORT` for the LINSTOR REST API")
	f.Float64Var(&opts.faults, "faults", 0, "fail this share of requests, 0 to 1, as each system really fails (see docs/emulators.md)")
	f.Uint64Var(&opts.seed, "seed", 1, "seed for choosing which requests fail")
	f.DurationVar(&opts.latency, "latency", 0, "delay every request by `DUR`")
	return cmd
}

func runSandboxServe(cmd *cobra.Command, e *env, opts sandboxServeOptions) error {
	if opts.faults < 0 || opts.faults > 1 {
		return fmt.Errorf("--faults %v: expected a share between 0 and 1", opts.faults)
	}
	target, err := resolveSandbox(e.policies, opts.env, opts.state)
	if err != nil {
		return err
	}
	sb, err := sandbox.OpenLocked(target.dir, target.seed)
	if err != nil {
		return err
	}
	serve := sandbox.ServeOptions{ApigeeAddr: opts.apigeeAddr, LinstorAddr: opts.linstorAddr, Faults: opts.faults, Seed: opts.seed, Latency: opts.latency}
	err = sb.Serve(cmd.Context(), serve, func(ends sandbox.Endpoints) {
		fmt.Fprintf(e.stdout, "sandbox %s serving, state in %s\n  apigee:  %s (%s)\n  linstor: %s\nstop with Ctrl-C\n",
			target.name, target.dir, ends.Apigee, apigeeScope(target.seed.Apigee), ends.Linstor)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sandbox %s stopped, state saved in %s\n", target.name, target.dir)
	return nil
}

// sandboxTarget is the sandbox to serve, resolved from the flags.
type sandboxTarget struct {
	name, dir string
	seed      sandbox.Seed
}

// apigeeScope says which organizations and environments the Apigee
// emulator has.
func apigeeScope(orgs []apigee.Organization) string {
	if orgs == nil {
		return "any organization and environment"
	}
	var parts []string
	for _, o := range orgs {
		parts = append(parts, fmt.Sprintf("organization %s, environment %s", o.Name, strings.Join(o.Environments, ", ")))
	}
	return strings.Join(parts, "; ")
}

// resolveSandbox finds the state folder and seed: --state serves a folder
// (seeded from the policies when they exist), --env or the only sandbox
// environment serves that environment's state beside the policies folder.
func resolveSandbox(policies, env, state string) (sandboxTarget, error) {
	if state != "" {
		t := sandboxTarget{name: filepath.Base(state), dir: state}
		if isMissingFolder(policies) {
			return t, nil
		}
		cfg, err := loadPolicies(policies)
		if err != nil {
			return t, err
		}
		t.seed = sandbox.SeedFor(cfg, env)
		return t, nil
	}
	cfg, err := loadPolicies(policies)
	if err != nil {
		return sandboxTarget{}, err
	}
	name, err := pickSandbox(cfg, env)
	if err != nil {
		return sandboxTarget{}, err
	}
	root, err := filepath.Abs(filepath.Dir(filepath.Clean(policies)))
	if err != nil {
		return sandboxTarget{}, err
	}
	return sandboxTarget{name: name, dir: sandbox.StateDir(root, name), seed: sandbox.SeedFor(cfg, name)}, nil
}

func isMissingFolder(dir string) bool {
	_, err := os.Stat(dir)
	return errors.Is(err, fs.ErrNotExist)
}

// pickSandbox checks that env is a sandbox environment, or picks the only one.
func pickSandbox(cfg *schema.Config, env string) (string, error) {
	var sandboxes []string
	for _, name := range cfg.EnvironmentNames() {
		if cfg.Environments[name].Sandbox {
			sandboxes = append(sandboxes, name)
		}
	}
	switch {
	case env != "" && cfg.Environments[env] == nil:
		return "", fmt.Errorf("--env %s: no such environment (sandbox environments: %v)", env, sandboxes)
	case env != "" && !cfg.Environments[env].Sandbox:
		return "", fmt.Errorf("--env %s: not a sandbox environment (sandbox environments: %v)", env, sandboxes)
	case env != "":
		return env, nil
	case len(sandboxes) == 1:
		return sandboxes[0], nil
	}
	return "", fmt.Errorf("no --env given and %d sandbox environments declared (expected --env NAME or --state DIR)", len(sandboxes))
}
