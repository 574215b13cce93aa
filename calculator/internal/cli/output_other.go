//go:build !unix

package cli

// reopenedOnDevNull reports false: only Unix systems reopen a closed
// standard output on /dev/null.
func reopenedOnDevNull(int) bool { return false }
