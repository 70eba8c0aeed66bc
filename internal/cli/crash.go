package cli

import (
	"slices"
	"time"
)

// crashEnv makes a command crash on purpose, so tests can check that a
// crash exits 1 with a clear message: "panic" panics in the command,
// "goroutine" panics in another goroutine (which no recover can catch).
const crashEnv = "LINGATE_TEST_CRASH"

func crashForTest(how string) {
	switch how {
	case "panic":
		panic("crash requested by " + crashEnv)
	case "goroutine":
		go func() { panic("crash requested by " + crashEnv) }()
		time.Sleep(time.Minute)
	}
}

// commandLine names the command in args for a message: lingate and the
// first of args that names a command (never flag values, which may be
// secret).
func commandLine(args []string) string {
	for _, c := range newRootCmd(&env{}).Commands() {
		if slices.Contains(args[1:], c.Name()) {
			return "lingate " + c.Name()
		}
	}
	return "lingate"
}
