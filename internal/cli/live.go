package cli

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/sandbox"
	"github.com/lingate/lingate/internal/targets"
)

// liveOptions are the options of a plan against live targets.
func (e *env) liveOptions(envs, adopt []string, head string) (plan.LiveOptions, error) {
	fsys, dir := dirFS(e.policies)
	serve, err := sandboxKnobs(e.getenv)
	if err != nil {
		return plan.LiveOptions{}, err
	}
	connect := targets.Connector(targets.Options{Root: policiesRoot(e.policies), Getenv: e.getenv, Serve: serve})
	return plan.LiveOptions{Policies: e.policies, FS: fsys, Dir: dir, Head: head, Envs: envs, Adopt: adopt, Connect: connect}, nil
}

// policiesRoot is the folder beside the policies that holds .lingate/.
func policiesRoot(policies string) string {
	abs, err := filepath.Abs(filepath.Clean(policies))
	if err != nil {
		return filepath.Dir(filepath.Clean(policies))
	}
	return filepath.Dir(abs)
}

// sandboxKnobs reads LINGATE_SANDBOX_LATENCY (a duration) and
// LINGATE_SANDBOX_FAULTS (a share, 0 to 1, with LINGATE_SANDBOX_SEED),
// which make the in-process emulators of sandbox environments slow or
// failing, as sandbox serve's --latency and --faults do.
func sandboxKnobs(getenv func(string) string) (sandbox.ServeOptions, error) {
	var o sandbox.ServeOptions
	if v := getenv("LINGATE_SANDBOX_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return o, fmt.Errorf("LINGATE_SANDBOX_LATENCY=%q: expected a duration such as 50ms", v)
		}
		o.Latency = d
	}
	if v := getenv("LINGATE_SANDBOX_FAULTS"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return o, fmt.Errorf("LINGATE_SANDBOX_FAULTS=%q: expected a share between 0 and 1", v)
		}
		o.Faults = f
	}
	if v := getenv("LINGATE_SANDBOX_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return o, fmt.Errorf("LINGATE_SANDBOX_SEED=%q: expected a whole number", v)
		}
		o.Seed = n
	}
	return o, nil
}
