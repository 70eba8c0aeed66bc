// Package cli is lingate's command line: one constructor per command that
// turns flags into an options struct and calls one function, and the single
// place errors are printed.
package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitChanges = 2
)

// env is what a command may read from the process: its streams and variables.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// policies is the --policies flag shared by every command.
	policies string
	// format is the output format of the command being run, for the error printer.
	format string
}

// Main runs lingate with the process's arguments and returns its exit code.
func Main() int {
	if os.Getenv("GOGC") == "" {
		// lingate runs briefly and CUE allocates heavily: fewer collections
		// save a third of a large validate for a little more memory.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal asks the command to stop gracefully (an apply
		// finishes the changes in flight); a second one ends the process.
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
}

// Run runs lingate with args, writing to stdout and stderr, and returns the
// exit code. Errors are printed once, here.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv, format: formatText}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	printError(e, err)
	return ExitFailed
}

// exitCode ends a command with a code and nothing more to print.
type exitCode int

func (c exitCode) Error() string { return "exit status " + strconv.Itoa(int(c)) }

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "lingate",
		Short: "Validate, compile, plan and apply Apigee and LINSTOR policies kept as CUE",
		Long: `lingate turns the API products, roles and storage tiers of a git repository
(CUE files under policies/) into Apigee proxy bundles and API products and
LINSTOR resource groups, and shows what would change between two commits.
Sandbox environments run against embedded emulators of both APIs.`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.PersistentFlags().StringVar(&e.policies, "policies", "policies", "`DIR` of policy files (package policies), read recursively")
	root.AddCommand(
		newValidateCmd(e),
		newCompileCmd(e),
		newPlanCmd(e),
		newApplyCmd(e),
		newSchemaCmd(e),
		newSandboxCmd(e),
		newServeCmd(e),
	)
	return root
}
