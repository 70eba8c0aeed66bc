package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/internal/render"
	"github.com/lingate/lingate/schema"
)

// validateOptions are the flags of lingate validate.
type validateOptions struct {
	format string
}

func newValidateCmd(e *env) *cobra.Command {
	var opts validateOptions
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the policies against the schema and every rule of the policy language",
		Long: `Validate loads every .cue file under the policies folder, unifies them with
the embedded schema and checks every rule of the policy language, then the
policies' guardrails over the access matrix (a violation is reported at the
guardrail, naming the role, grant, tier or product that breaks it). Every
problem is reported, each at file:line:col. Valid policies that are almost
certainly a mistake (a product no role grants, a role that reaches nothing,
a LUKS layer with encrypted: false, ...) are reported as warnings, on
stderr (or under "warnings" with --format json); warnings never change the
exit code. Exit code 0 means valid, 1 invalid.`,
		Example: `  lingate validate
  lingate validate --policies infra/policies
  lingate validate --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e.format = opts.format
			return runValidate(e, opts)
		},
	}
	addFormatFlag(cmd, &opts.format)
	return cmd
}

func runValidate(e *env, opts validateOptions) error {
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return err
	}
	if err := compile.Check(cfg); err != nil {
		return err
	}
	if errs := access.CheckGuardrails(cfg); len(errs) > 0 {
		return errs
	}
	counts := map[string]int{
		schema.SectionEnvironments: len(cfg.Environments),
		schema.SectionTiers:        len(cfg.Tiers),
		schema.SectionProducts:     len(cfg.Products),
		schema.SectionRoles:        len(cfg.Roles),
	}
	warnings := cfg.Warnings()
	if opts.format == formatJSON {
		writeJSON(e, jsonResult{Valid: true, Errors: []render.JSONProblem{}, Warnings: render.Problems(warnings), Counts: counts})
		return nil
	}
	for _, w := range warnings {
		fmt.Fprintln(e.stderr, visible(schema.Warning(w)))
	}
	fmt.Fprintf(e.stdout, "%s: valid (%d environments, %d tiers, %d products, %d roles)\n", e.policies,
		counts[schema.SectionEnvironments], counts[schema.SectionTiers], counts[schema.SectionProducts], counts[schema.SectionRoles])
	return nil
}

// addFormatFlag adds --format text|json.
func addFormatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", formatText, "output `FORMAT`: text or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatText, formatJSON}, cobra.ShellCompDirectiveNoFileComp))
}
