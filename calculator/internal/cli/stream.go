package cli

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/go-multistage/multistage/calculator/expr"
)

// maxLine is the longest input line accepted, without its line ending.
const maxLine = expr.MaxLength

const hint = `calculator: nothing to evaluate: no expression given, and standard input is empty.
Try:
  calculator '2 * (3 + 4)'       one answer   (docker run --rm IMAGE '2 * (3 + 4)')
  calculator                     a prompt, in a terminal   (docker run --rm -it IMAGE)
  echo '1 + 2' | calculator      one answer per input line (... | docker run --rm -i IMAGE)
Run 'calculator --help' for more.
`

var msgLineTooLong = "line too long (more than " + strconv.Itoa(maxLine) + " bytes)"

// runStream evaluates the lines of stdin in order, one result line each on
// stdout and one error line each on stderr, until the end of the input or
// a line "exit" or "quit". Memory stays bounded: a line longer than
// maxLine is reported and skipped without being kept. When stdin is empty
// it prints a hint instead.
func runStream(s *session, stdin io.Reader, stdout, stderr io.Writer) int {
	if s.budget > 0 {
		s.work = expr.NewBudget(s.budget.Nanoseconds()) // units of about 1 ns
	}
	st := &stream{
		s:      s,
		in:     bufio.NewReaderSize(stdin, maxLine+2), // the line, "\r" and "\n"
		out:    bufio.NewWriter(stdout),
		stderr: stderr,
		status: ExitOK,
	}
	empty := st.run()
	if err := st.out.Flush(); err != nil {
		warn(stderr, "error: writing the output: "+err.Error()+"\n")
		return ExitError
	}
	if empty {
		warn(stderr, hint)
	}
	return st.status
}

// stream is the state of runStream.
type stream struct {
	s      *session
	in     *bufio.Reader
	out    *bufio.Writer // results
	stderr io.Writer     // errors, after flushing out, to keep the order
	lineNo int
	status int
}

// run handles the lines until the end, and reports whether there were
// none at all.
func (st *stream) run() (empty bool) {
	empty = true
	for {
		line, err := st.in.ReadSlice('\n')
		if len(line) > 0 {
			empty = false
			st.lineNo++
		}
		ok := true
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			err = skipLine(st.in)
			ok = st.report(msgLineTooLong)
		case len(line) > 0:
			if st.lineNo == 1 {
				line = bytes.TrimPrefix(line, []byte(bom))
			}
			var stop bool
			stop, ok = st.handle(trimEOL(line))
			if stop {
				return empty
			}
		}
		if !ok {
			return empty
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				st.status = ExitError
				st.out.Flush()
				warn(st.stderr, "error: reading the input: "+err.Error()+"\n")
				return false
			}
			return empty
		}
		// Show the results at once when no more input is waiting, for
		// someone typing into a pipe.
		if st.in.Buffered() == 0 && st.out.Flush() != nil {
			return empty
		}
	}
}

// handle handles one line. It reports whether to stop reading, and false
// when writing failed.
func (st *stream) handle(text []byte) (stop, ok bool) {
	switch cmd := command(string(text)); {
	case cmd == "":
		return false, true
	case cmd == "exit" || cmd == "quit":
		return true, true
	case cmd == "help":
		_, err := st.out.WriteString(usage)
		return false, err == nil
	case len(text) > maxLine:
		return false, st.report(msgLineTooLong)
	}
	res, err := st.s.eval(string(text))
	if err != nil {
		return false, st.report(err.Error() + "\n" + strings.TrimSuffix(snippet(err, 0), "\n"))
	}
	_, err = st.out.WriteString(res)
	return false, err == nil
}

// report writes an error for the current line, after the results so far.
// msg may run over several lines, without a final "\n".
func (st *stream) report(msg string) bool {
	st.status = ExitError
	if st.out.Flush() != nil {
		return false
	}
	return writeString(st.stderr, "error: line "+strconv.Itoa(st.lineNo)+": "+msg+"\n") == nil
}

// skipLine discards input up to and including the next "\n". It returns
// the reading error, if any, such as io.EOF.
func skipLine(in *bufio.Reader) error {
	for {
		_, err := in.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// trimEOL removes the line ending, "\n" or "\r\n", from line.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}
