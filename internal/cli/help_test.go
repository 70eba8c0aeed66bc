package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples walks the command tree: every command's help
// shows examples, at least one of them runs the command itself, and every
// example of lingate names a command and flags that exist.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(&env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: no Example in its help", c.CommandPath())
		} else if !strings.Contains(c.Example, c.CommandPath()) {
			t.Errorf("%s: no example runs it:\n%s", c.CommandPath(), c.Example)
		}
		for _, line := range strings.Split(c.Example, "\n") {
			checkExample(t, root, c, line)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// checkExample parses an example line that runs lingate (up to a pipe,
// redirection or comment) as the command line would: the command it names
// must exist and take the flags it gives.
func checkExample(t *testing.T, root, c *cobra.Command, line string) {
	t.Helper()
	words := strings.Fields(line)
	if len(words) == 0 || words[0] != "lingate" {
		return
	}
	args := words[1:]
	for i, w := range args {
		if strings.ContainsAny(w[:1], "|>#") {
			args = args[:i]
			break
		}
	}
	found, rest, err := root.Find(args)
	if err != nil {
		t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
		return
	}
	if found == root && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		t.Errorf("%s: example %q names no command", c.CommandPath(), line)
		return
	}
	if err := found.ParseFlags(rest); err != nil {
		t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
	}
}
