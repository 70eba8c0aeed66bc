package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lingate/lingate/internal/github/githubtest"
)

// fakes are the fake GitHub servers of running scripts.
var fakes sync.Map // *testscript.TestScript -> *githubtest.Server

// cmdFakeGitHub runs a fake GitHub API for lingate ci:
//
//	fakegithub start STATE.json   start it with that state (${VAR}s expanded) and set GITHUB_API_URL
//	fakegithub state              print what it holds, as JSON
//	fakegithub requests           print every request it received: METHOD PATH?QUERY
func cmdFakeGitHub(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: fakegithub start STATE.json | state | requests")
	}
	if args[0] == "start" {
		startFake(ts, args[1:])
		return
	}
	v, ok := fakes.Load(ts)
	if !ok {
		ts.Fatalf("fakegithub: not started")
	}
	srv := v.(*githubtest.Server)
	switch args[0] {
	case "state":
		enc := json.NewEncoder(ts.Stdout())
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		ts.Check(enc.Encode(srv.State()))
	case "requests":
		for _, r := range srv.Requests() {
			q := ""
			if r.Query != "" {
				q = "?" + r.Query
			}
			fmt.Fprintf(ts.Stdout(), "%s %s%s\n", r.Method, r.Path, q)
		}
	default:
		ts.Fatalf("fakegithub: unknown %q", args[0])
	}
}

func startFake(ts *testscript.TestScript, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: fakegithub start STATE.json")
	}
	var st githubtest.State
	ts.Check(json.Unmarshal([]byte(os.Expand(ts.ReadFile(args[0]), ts.Getenv)), &st))
	if old, ok := fakes.Load(ts); ok {
		old.(*githubtest.Server).Close()
	}
	srv := githubtest.New(st)
	fakes.Store(ts, srv)
	ts.Defer(func() {
		srv.Close()
		fakes.Delete(ts)
	})
	ts.Setenv("GITHUB_API_URL", srv.APIURL())
}

// cmdGitSHA sets an environment variable to a commit's SHA: gitsha NAME REV.
func cmdGitSHA(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gitsha NAME REV")
	}
	cmd := exec.Command("git", "rev-parse", "--verify", args[1])
	cmd.Dir = ts.MkAbs(".")
	out, err := cmd.Output()
	ts.Check(err)
	ts.Setenv(args[0], strings.TrimSpace(string(out)))
}

// cmdExpand rewrites files with their ${VAR}s expanded: expand FILE...
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE...")
	}
	for _, f := range args {
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(ts.ReadFile(f), ts.Getenv)), 0o644))
	}
}
