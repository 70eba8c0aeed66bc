package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/compile"
)

// compileOptions are the flags of lingate compile.
type compileOptions struct {
	out    string
	envs   []string
	commit string
}

func newCompileCmd(e *env) *cobra.Command {
	var opts compileOptions
	cmd := &cobra.Command{
		Use:   "compile --out DIR",
		Short: "Validate, then write every Apigee and LINSTOR artifact",
		Long: `Compile validates the policies, then writes for each environment the Apigee
proxy bundles (zipped and unpacked) and API products, and the LINSTOR
resource groups, plus DIR/manifest.json with every file's sha256. The same
policies always give byte-identical output.`,
		Example: `  lingate compile --out build
  lingate compile --out build --env prod --commit "$(git rev-parse HEAD)"`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runCompile(e, opts) },
	}
	cmd.Flags().StringVar(&opts.out, "out", "", "output `DIR` (replaced if it holds an earlier compile)")
	cmd.Flags().StringArrayVar(&opts.envs, "env", nil, "compile only environment `NAME` (repeatable; default: all)")
	cmd.Flags().StringVar(&opts.commit, "commit", "", "source commit `SHA` to record in manifest.json")
	_ = cmd.MarkFlagRequired("out")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

func runCompile(e *env, opts compileOptions) error {
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return err
	}
	sets, err := compile.All(cfg, opts.envs)
	if err != nil {
		return err
	}
	if err := compile.Write(opts.out, sets, opts.commit); err != nil {
		return err
	}
	files := 0
	for _, s := range sets {
		for _, o := range s.Objects {
			files += len(o.Files)
		}
	}
	fmt.Fprintf(e.stdout, "compiled %d environments into %s (%d files)\n", len(sets), opts.out, files)
	return nil
}
