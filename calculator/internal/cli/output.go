package cli

import (
	"errors"
	"io"
	"os"
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

type closedWriter struct{}

func (closedWriter) Write([]byte) (int, error) { return 0, errClosed }
