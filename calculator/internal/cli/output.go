package cli

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// errClosed is the error of writing to a standard output that was closed.
var errClosed = errors.New("standard output is closed")

// Output returns the writer for the process's standard output f: f
// itself, or, when the program was started with its standard output
// closed (calculator 1+1 >&-), a writer that fails with "standard output
// is closed". Go's runtime then opens /dev/null in its place, where every
// write would succeed, so nothing would tell the user that the results
// were lost.
func Output(f *os.File) io.Writer {
	if reopenedOnDevNull(int(f.Fd())) {
		return closedWriter{}
	}
	return f
}

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

type closedWriter struct{}

func (closedWriter) Write([]byte) (int, error) { return 0, errClosed }
