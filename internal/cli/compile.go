package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
)

// compileOptions are the flags of lingate compile.
type compileOptions struct {
	out      string
	envs     []string
	commit   string
	unpacked bool
}

func newCompileCmd(e *env) *cobra.Command {
	var opts compileOptions
	cmd := &cobra.Command{
		Use:   "compile --out DIR",
		Short: "Validate, then write every Apigee and LINSTOR artifact",
		Long: `Compile validates the policies, then writes for each environment the Apigee
proxy bundles (zipped; unpacked too with --unpacked) and API products, and
the LINSTOR resource groups (the combined view, and the body of each REST
call that creates one), plus DIR/manifest.json with every file's sha256.
The same policies always give byte-identical output.

DIR is replaced as a whole once everything is written. An existing DIR must
be empty or hold exactly what an earlier compile's manifest lists: only
those files are removed, and anything else in it is refused by name.`,
		Example: `  lingate compile --out build
  lingate compile --out build --env prod --commit "$(git rev-parse HEAD)"
  lingate compile --out build --unpacked   # also the bundles' files, for reading and apigeelint`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runCompile(e, opts) },
	}
	cmd.Flags().StringVar(&opts.out, "out", "", "output `DIR` (replaced if it holds an earlier compile)")
	cmd.Flags().StringArrayVar(&opts.envs, "env", nil, "compile only environment `NAME` (repeatable; default: all)")
	cmd.Flags().StringVar(&opts.commit, "commit", "", "source commit `SHA` to record in manifest.json")
	cmd.Flags().BoolVar(&opts.unpacked, "unpacked", false, "also write every proxy bundle unpacked under <env>/apigee/proxies/<product>/")
	_ = cmd.MarkFlagRequired("out")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

// lowerGC sets GOGC to 100, unless the environment sets it, and caps the
// memory the runtime may hold at what loading took, and returns what
// restores both. Loading is done with the heap at its largest;
// compiling and comparing allocate short-lived buffers, which Main's
// GOGC=400 would let pile up to five times what stays live, and which at
// GOGC=100 still doubled the loaded policies' share (CUE's evaluated
// tree stays reachable for positions). The cap makes the collector run
// earlier instead, so a compile's peak stays near validate's. A lower
// GOMEMLIMIT of the user's is kept.
func lowerGC(e *env) func() {
	if e.getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(100)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	oldLimit := debug.SetMemoryLimit(-1)
	if loaded := int64(ms.Sys); loaded < oldLimit {
		debug.SetMemoryLimit(loaded)
	}
	return func() {
		debug.SetGCPercent(old)
		debug.SetMemoryLimit(oldLimit)
	}
}

// runCompile loads the policies and writes each object as soon as it is
// compiled, so memory holds only the products in flight.
func runCompile(e *env, opts compileOptions) error {
	cfg, err := loadPolicies(e.policies)
	if err != nil {
		return err
	}
	defer lowerGC(e)()
	w, err := compile.Create(opts.out, compile.Options{Commit: opts.commit, Unpacked: opts.unpacked})
	if err != nil {
		return err
	}
	envs := opts.envs
	if len(envs) == 0 {
		envs = cfg.EnvironmentNames()
	}
	err = compile.Stream(cfg, envs, func(env string, o artifact.Object) error { return w.Add(env, o) })
	if err == nil {
		err = compile.WriteMonitoring(w, cfg, envs)
	}
	if err != nil {
		w.Abort()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "compiled %d environments into %s (%d files)\n", len(slices.Compact(slices.Sorted(slices.Values(envs)))), opts.out, w.Files())
	return nil
}
