// Package cli is lingate's command line: one constructor per command that
// turns flags into an options struct and calls one function, and the single
// place errors are printed.
package cli

import (
	"context"
	"errors"
	"fmt"
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
	// doing is the command being run ("lingate plan"), for a panic's message.
	doing string
}

// Main runs lingate with the process's arguments and returns its exit code:
// 0, 1 for any failure (a crash included), or 2 for changes with
// --detailed-exitcode. The command runs in a child process (see
// supervise_unix.go) unless this process is that child.
func Main() int {
	out, ok := supervised()
	if !ok {
		return supervise(os.Args)
	}
	code := runMain()
	report(out, code)
	return code
}

// runMain runs the command in this process.
func runMain() int {
	applyLimits(os.Getenv)
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
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv, format: formatText, doing: "lingate"}
	defer func() {
		if r := recover(); r != nil {
			printError(e, fmt.Errorf("%s: internal error (a bug in lingate; please report it with the stack below): %v", e.doing, r))
			fmt.Fprintf(stderr, "%s", debug.Stack())
			code = ExitFailed
		}
	}()
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
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
		Example: `  lingate validate
  lingate compile --out build
  lingate plan --base main --format markdown
  lingate --policies infra/policies validate`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			e.doing = cmd.CommandPath()
			crashForTest(e.getenv(crashEnv))
		},
	}
	root.PersistentFlags().StringVar(&e.policies, "policies", "policies", "`DIR` of policy files (package policies), read recursively")
	root.AddCommand(
		newValidateCmd(e),
		newCompileCmd(e),
		newPlanCmd(e),
		newApplyCmd(e),
		newCICmd(e),
		newSchemaCmd(e),
		newSandboxCmd(e),
		newServeCmd(e),
	)
	return root
}
