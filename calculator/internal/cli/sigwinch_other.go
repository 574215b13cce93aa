//go:build !unix

package cli

import "os"

// sigwinch is nil: this system has no signal for a terminal's change of
// size, and the width is read at each prompt only.
var sigwinch os.Signal
