//go:build linux

package cli

import "syscall"

// childAttr ends the child with its parent: a parent killed outright
// (SIGKILL, which it cannot forward) must not leave a server running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
