//go:build unix

package cli

import (
	"os"
	"syscall"
)

// sigwinch is the signal of a terminal's change of size.
var sigwinch os.Signal = syscall.SIGWINCH
