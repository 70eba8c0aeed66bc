package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lingate/lingate/internal/sandbox"
)

// sandboxNodeOptions are the flags of lingate sandbox node fail|restore.
type sandboxNodeOptions struct {
	env         string
	state       string
	linstorAddr string
	online      bool
}

func newSandboxNodeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Fail or restore a node of a sandbox's emulated LINSTOR cluster",
		Example: `  lingate sandbox node fail node-b
  lingate sandbox node restore node-b`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(sandboxNodeAction(e, "fail", false), sandboxNodeAction(e, "restore", true))
	return cmd
}

func sandboxNodeAction(e *env, verb string, online bool) *cobra.Command {
	opts := sandboxNodeOptions{online: online}
	effect := `The controller then reports the node OFFLINE and no state for the replicas
on it (they are no longer UpToDate): resources with a replica there are
degraded, those with no UpToDate replica left failed.`
	if online {
		effect = `The controller then reports the node ONLINE again and its replicas UpToDate.`
	}
	cmd := &cobra.Command{
		Use:   verb + " NODE",
		Short: map[bool]string{false: "Take a node offline, as a lost satellite", true: "Bring a failed node back online"}[online],
		Long: fmt.Sprintf(`%s a node of the sandbox environment's emulated LINSTOR cluster (--env,
or a state folder with --state). When a sandbox serve holds the state, the
change goes to it at --linstor-addr; otherwise the state file is changed.
%s`, map[bool]string{false: "Fail", true: "Restore"}[online], effect),
		Example: fmt.Sprintf(`  lingate sandbox node %s node-b
  lingate sandbox node %s node-b --env sandbox --linstor-addr 127.0.0.1:3370`, verb, verb),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSandboxNode(cmd, e, opts, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.env, "env", "", "sandbox environment `NAME` (default: the only sandbox environment)")
	f.StringVar(&opts.state, "state", "", "state `DIR` instead of an environment's")
	f.StringVar(&opts.linstorAddr, "linstor-addr", "127.0.0.1:3370", "`HOST:PORT` of a running sandbox serve's LINSTOR API")
	return cmd
}

func runSandboxNode(cmd *cobra.Command, e *env, opts sandboxNodeOptions, node string) error {
	target, err := resolveSandbox(e.policies, opts.env, opts.state)
	if err != nil {
		return err
	}
	addr := ""
	if opts.linstorAddr != "" {
		addr = "http://" + opts.linstorAddr
	}
	if err := sandbox.SetNodeOnline(cmd.Context(), target.dir, target.seed, addr, node, opts.online, 10*time.Second); err != nil {
		return err
	}
	state := "OFFLINE"
	if opts.online {
		state = "ONLINE"
	}
	fmt.Fprintf(e.stdout, "sandbox %s: node %s is %s\n", target.name, node, state)
	return nil
}
