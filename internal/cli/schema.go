package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/schema"
)

func newSchemaCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the embedded CUE schema of the policy language",
		Example: `  lingate schema > schema.cue
  lingate schema | less`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(e.stdout, schema.Source)
			return err
		},
	}
}
