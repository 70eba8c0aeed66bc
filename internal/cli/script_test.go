package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lingate/lingate/internal/cli"
	"github.com/lingate/lingate/internal/golden"
)

// TestMain lets scripts run `exec lingate ...`: the test binary re-executes
// itself as the real CLI.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lingate": func() { os.Exit(cli.Main()) },
	})
}

// TestScript runs testdata/script/*.txtar. LINGATE_UPDATE_GOLDEN=1 rewrites
// the expected output in the scripts from what lingate prints now.
func TestScript(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		UpdateScripts:       golden.Updating(t),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                scriptCmds(),
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", repo)
			// example/policies is a copy of the example repository's policies.
			if err := os.CopyFS(filepath.Join(e.WorkDir, "example", "policies"), os.DirFS(filepath.Join(repo, "policies"))); err != nil {
				return err
			}
			e.Setenv("NO_COLOR", "1")
			setGitEnv(e)
			for _, name := range []string{"PORT1", "PORT2", "PORT3"} {
				port, err := freePort()
				if err != nil {
					return err
				}
				e.Setenv(name, port)
			}
			return nil
		},
	})
}

// setGitEnv lets scripts run git commands: a fixed author, committer and
// date, so commits get the same SHAs on every run, and no user or system
// configuration.
func setGitEnv(e *testscript.Env) {
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME": "Lingate Test", "GIT_AUTHOR_EMAIL": "test@lingate.invalid", "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
		"GIT_COMMITTER_NAME": "Lingate Test", "GIT_COMMITTER_EMAIL": "test@lingate.invalid", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.DevNull,
	} {
		e.Setenv(k, v)
	}
}
