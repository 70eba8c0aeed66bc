package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/internal/render"
)

// formatCSV is access's format for auditors' tools.
const formatCSV = "csv"

// accessOptions are the flags of lingate access.
type accessOptions struct {
	envs           []string
	group, product string
	format         string
}

func newAccessCmd(e *env) *cobra.Command {
	var opts accessOptions
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Show who reaches which operation, with which quota, and where their data lands",
		Long: `Access prints the access matrix of the policies: one row per environment,
identity (a group of the product's claim or app attribute), role, product
and operation (method and path), with the scopes the role holds, the
effective quota (the role's grant, else the product's), the spike arrest,
the storage tier and its LINSTOR resource group, replicas, pools and zone
spreading, where the tier's backups go (remote, bucket and region or cluster
URL, schedule, retention), and the target the call is routed to. See
docs/access.md.

Exit codes: 0 success, 1 error.`,
		Example: `  lingate access
  lingate access --env prod --format csv > access-prod.csv
  lingate access --group support --product payments --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			e.format = opts.format
			if opts.format != formatJSON {
				e.format = formatText
			}
			return runAccess(e, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.envs, "env", nil, "only environment `NAME` (repeatable; default: all)")
	f.StringVar(&opts.group, "group", "", "only rows of group `G`")
	f.StringVar(&opts.product, "product", "", "only rows of product `P`")
	f.StringVar(&opts.format, "format", formatText, "output `FORMAT`: text, markdown, json or csv")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatText, formatMarkdown, formatJSON, formatCSV}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// accessWriters render the matrix, by format.
var accessWriters = map[string]func(io.Writer, access.Matrix) error{
	formatText: render.AccessText, formatMarkdown: render.AccessMarkdown, formatJSON: render.AccessJSON, formatCSV: render.AccessCSV,
}

func runAccess(e *env, opts accessOptions) error {
	write, ok := accessWriters[opts.format]
	if !ok {
		return fmt.Errorf("--format %s: unknown (expected text, markdown, json or csv)", opts.format)
	}
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return err
	}
	for _, env := range opts.envs {
		if _, ok := cfg.Environments[env]; !ok {
			return fmt.Errorf("--env %s: not declared (declared: %s)", env, strings.Join(cfg.EnvironmentNames(), ", "))
		}
	}
	if _, ok := cfg.Products[opts.product]; opts.product != "" && !ok {
		return fmt.Errorf("--product %s: not declared", opts.product)
	}
	m := access.Compute(cfg, slices.Compact(slices.Sorted(slices.Values(opts.envs)))).Filter(opts.group, opts.product)
	return write(e.stdout, m)
}
