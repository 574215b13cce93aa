//go:build !unix

package server

// fileLimit reports that the descriptor limit is not known here.
func fileLimit() (uint64, bool) { return 0, false }
