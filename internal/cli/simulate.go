package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/internal/simulate"
)

// ExitRefused is simulate's exit code when the proxy would refuse the
// request (answer it without reaching the backend).
const ExitRefused = 3

// simulateOptions are the flags of lingate simulate.
type simulateOptions struct {
	env, method, path string
	claims, headers   []string
	format            string
}

func newSimulateCmd(e *env) *cobra.Command {
	var opts simulateOptions
	cmd := &cobra.Command{
		Use:   "simulate --env NAME --method M --path /full/request/path",
		Short: "Run one request through the compiled Apigee proxies, offline",
		Long: `Simulate compiles the proxies of one environment and runs one request
through them, evaluating the generated flows, steps, conditions and
policies: which proxy serves the path, whether authentication and the role
checks let it through (if not, the status and error the proxy answers),
which roles the caller is a member of, which role's quota applies, the
spike arrest, the storage tier, resource group and target.

A claim's value is JSON (--claim 'groups=["payments-eng"]'); a bare word is
a string. For oidc products claims are the token's claims; for apiKey and
oauth2 products, the developer app's attributes. A request with neither
claims nor a credential header is refused as unauthenticated. Header values
are never printed. See docs/access.md.

Exit codes: 0 the request reaches the backend, 1 error, 3 the proxy refuses it.`,
		Example: `  lingate simulate --env prod --method POST --path /payments/v1/charges --claim 'groups=["payments-eng"]'
  lingate simulate --env prod --method GET --path /inventory/v1/items --claim groups=warehouse --format json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			e.format = opts.format
			return runSimulate(e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.env, "env", "", "environment `NAME` (required)")
	f.StringVar(&opts.method, "method", "GET", "HTTP `METHOD`")
	f.StringVar(&opts.path, "path", "", "full request `PATH`, base path included (required)")
	f.StringArrayVar(&opts.claims, "claim", nil, "caller claim `NAME=JSON` (repeatable)")
	f.StringArrayVar(&opts.headers, "header", nil, "request header `NAME=VALUE` (repeatable)")
	addFormatFlag(cmd, &opts.format)
	return cmd
}

func runSimulate(e *env, opts simulateOptions) error {
	req, err := opts.request()
	if err != nil {
		return err
	}
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return err
	}
	sim, err := simulate.New(cfg, opts.env, apigee.Bundle, apigee.ProductOperations)
	if err != nil {
		return err
	}
	res, err := sim.Run(req)
	if err != nil {
		return err
	}
	if opts.format == formatJSON {
		writeJSON(e, res)
	} else {
		writeSimulation(e.stdout, res)
	}
	if !res.Reached {
		return exitCode(ExitRefused)
	}
	return nil
}

// request checks the flags and builds the request.
func (o simulateOptions) request() (simulate.Request, error) {
	switch {
	case o.env == "":
		return simulate.Request{}, fmt.Errorf("--env: required")
	case !strings.HasPrefix(o.path, "/"):
		return simulate.Request{}, fmt.Errorf("--path %q: expected the full request path, starting with /", o.path)
	case o.method == "" || strings.ToUpper(o.method) != o.method:
		return simulate.Request{}, fmt.Errorf("--method %q: expected an upper-case HTTP method such as GET", o.method)
	case o.format != formatText && o.format != formatJSON:
		return simulate.Request{}, fmt.Errorf("--format %s: unknown (expected text or json)", o.format)
	}
	req := simulate.Request{Method: o.method, Path: o.path, Claims: map[string]string{}, Headers: map[string]string{}}
	for _, c := range o.claims {
		name, value, ok := strings.Cut(c, "=")
		if !ok || name == "" {
			return req, fmt.Errorf("--claim %q: expected NAME=JSON", c)
		}
		if !json.Valid([]byte(value)) {
			data, _ := json.Marshal(value) // a bare word is a string
			value = string(data)
		}
		req.Claims[name] = value
	}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, "=")
		if !ok || name == "" {
			return req, fmt.Errorf("--header %s: expected NAME=VALUE", strings.SplitN(h, "=", 2)[0])
		}
		req.Headers[strings.ToLower(name)] = value
	}
	return req, nil
}

// writeSimulation prints a simulation's result for people.
func writeSimulation(w io.Writer, r simulate.Result) {
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-14s %s\n", label+":", value)
		}
	}
	if r.Proxy != "" {
		line("proxy", r.Proxy+" (base path "+r.BasePath+")")
	}
	if r.Reached {
		line("decision", "reaches the backend")
	} else {
		where := r.RefusedBy
		if r.Flow != "" {
			where += " in " + r.Flow
		}
		verb := "refused"
		if r.Status < 400 {
			verb = "answered by the proxy"
		}
		line("decision", fmt.Sprintf("%s %d %s", verb, r.Status, r.Error))
		line("refused by", where)
		for _, name := range slices.Sorted(maps.Keys(r.ResponseHeaders)) {
			line("error header", name+": "+r.ResponseHeaders[name])
		}
		line("error body", r.Body)
	}
	line("members", strings.Join(r.Members, ", "))
	line("role", r.Role)
	quotas := make([]string, len(r.Quotas))
	for i, q := range r.Quotas {
		quotas[i] = q.String()
	}
	line("quotas", strings.Join(quotas, "; "))
	line("spike arrest", r.Spike)
	line("rate limits", strings.Join(r.RateLimits, "; "))
	line("callouts", strings.Join(r.Callouts, "; "))
	if r.Tier != "" {
		line("tier", r.Tier+" (resource group "+r.ResourceGroup+")")
	}
	if r.TargetEndpoint != "" {
		line("target", r.TargetEndpoint+": "+r.Target)
	}
	line("steps", strings.Join(r.Steps, ", "))
}
