//go:build unix

package cli

import "golang.org/x/sys/unix"

// reopenedOnDevNull reports whether fd is /dev/null opened for reading and
// writing, as the Go runtime opens it for a standard file that is closed
// when the program starts. A shell's ">/dev/null" opens it write-only.
func reopenedOnDevNull(fd int) bool {
	var st, null unix.Stat_t
	if unix.Fstat(fd, &st) != nil || unix.Stat("/dev/null", &null) != nil {
		return false
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != null.Rdev {
		return false
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	return err == nil && flags&unix.O_ACCMODE == unix.O_RDWR
}
