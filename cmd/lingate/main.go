// Command lingate validates, compiles, plans and applies Apigee and LINSTOR
// policies kept as CUE in a git repository.
package main

import (
	"os"

	"github.com/lingate/lingate/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
