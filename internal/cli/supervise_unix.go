//go:build unix

package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A Go program that crashes (an unrecovered panic in any goroutine, a
// stack overflow, running out of memory) exits with status 2, which
// --detailed-exitcode means "changes". So lingate runs its command in a
// child process that reports the exit code it chose on a pipe; a child
// that ends without reporting one crashed, and lingate exits 1.

// reportEnv names the child's file descriptor for its exit code.
const reportEnv = "LINGATE_REPORT_FD"

// reportFD is the descriptor the parent passes (the first of ExtraFiles).
const reportFD = 3

// reportGrace is how long the parent waits, after the child ended, for a
// report still in the pipe.
const reportGrace = 2 * time.Second

// supervised reports whether this process is the child; if so, it returns
// the writer for its exit code.
func supervised() (*os.File, bool) {
	if os.Getenv(reportEnv) != strconv.Itoa(reportFD) {
		return nil, false
	}
	syscall.CloseOnExec(reportFD) // not inherited by processes lingate starts
	return os.NewFile(reportFD, "exit-code report"), true
}

// report tells the parent the exit code chosen.
func report(f *os.File, code int) {
	fmt.Fprintf(f, "%d\n", code)
	f.Close()
}

// supervise runs lingate again as a child with the same arguments, streams
// and environment, forwards interrupts to it, and returns its reported exit
// code, or 1 when it reported none.
func supervise(args []string) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: lingate: find own executable: %v\n", err)
		return ExitFailed
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: lingate: exit-code pipe: %v\n", err)
		return ExitFailed
	}
	defer r.Close()
	cmd := exec.Command(exe, args[1:]...)
	cmd.Args[0] = args[0] // as invoked, so a multi-call binary (tests) dispatches the same
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = childAttr()
	cmd.Env = append(os.Environ(), reportEnv+"="+strconv.Itoa(reportFD))
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		w.Close()
		fmt.Fprintf(os.Stderr, "error: lingate: start: %v\n", err)
		return ExitFailed
	}
	w.Close()
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	codes := make(chan int, 1)
	go func() { codes <- readReport(r) }()
	waitErr := cmd.Wait()
	select {
	case code := <-codes:
		if code >= 0 {
			return code
		}
	case <-time.After(reportGrace):
	}
	fmt.Fprintf(os.Stderr, "error: %s stopped before finishing (%v); exiting 1: a crash is a failure, never a plan with changes\n", commandLine(args), waitErr)
	return ExitFailed
}

// readReport reads the child's exit code; -1 when it reported none.
func readReport(r *os.File) int {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return -1
	}
	code, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || code < 0 {
		return -1
	}
	return code
}
