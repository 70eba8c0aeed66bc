//go:build !unix

package cli

import "os"

// supervised: without a Unix pipe to report on, lingate runs unsupervised.
func supervised() (*os.File, bool) { return nil, true }

func report(*os.File, int) {}

func supervise([]string) int { return ExitFailed }
