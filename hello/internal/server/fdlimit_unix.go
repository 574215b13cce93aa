//go:build unix

package server

import "syscall"

// fileLimit returns the soft RLIMIT_NOFILE of the process (which Go raises
// to the hard limit at start), and whether it could be read.
func fileLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return r.Cur, true
}
