//go:build unix && !linux

package cli

import "syscall"

// childAttr: only Linux can end a child with its parent.
func childAttr() *syscall.SysProcAttr { return nil }
