// Package command runs the programs that the end-to-end tests drive (docker,
// git, go, the repository's scripts, the binaries under test) to their end:
// with a timeout that stops a hung program, its output captured, and errors
// that name the command and quote the end of its standard error. It also
// holds the module's one rule for a missing prerequisite: skip on a
// developer's machine, fail when CI is set (Unavailable).
//
// It knows nothing of the programs it runs; package docker builds on it. It
// is for commands a test waits for, not for processes a test keeps running
// beside it (start those with os/exec and end them in tb.Cleanup), and, being
// test code, it must never be imported by what the repository ships.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultTimeout bounds a command that sets no timeout of its own. It is a
// safety net against a hung program, not a speed target.
const DefaultTimeout = 5 * time.Minute

// tailLines is how many lines of a command's output its errors quote.
const tailLines = 20

// waitDelay is how long a timed-out command's output may stay open after
// the program was killed: a child it started (docker-build.sh's docker)
// can hold the pipes. After that, the pipes are closed and Exec returns.
var waitDelay = 10 * time.Second

// Cmd is a program to run, with its arguments, directory, environment,
// standard input and timeout. Its methods return a changed copy, so one Cmd
// can serve as a template for several runs.
type Cmd struct {
	name       string
	args       []string
	dir        string
	env        []string
	replaceEnv bool
	stdin      io.Reader
	log        io.Writer
	timeout    time.Duration
}

// New returns the command name with args, run in the current directory with
// the test process's environment, empty standard input and DefaultTimeout.
func New(name string, args ...string) Cmd {
	return Cmd{name: name, args: args, timeout: DefaultTimeout}
}

// In returns c run in directory dir ("" for the current one).
func (c Cmd) In(dir string) Cmd {
	c.dir = dir
	return c
}

// Env returns c with vars (NAME=value) added to its environment; a later
// entry for the same name wins.
func (c Cmd) Env(vars ...string) Cmd {
	c.env = append(append([]string(nil), c.env...), vars...)
	return c
}

// OnlyEnv returns c with exactly vars as its environment, none of the test
// process's.
func (c Cmd) OnlyEnv(vars ...string) Cmd {
	c.env = append([]string(nil), vars...)
	c.replaceEnv = true
	return c
}

// Stdin returns c reading its standard input from r.
func (c Cmd) Stdin(r io.Reader) Cmd {
	c.stdin = r
	return c
}

// Input returns c reading s as its standard input.
func (c Cmd) Input(s string) Cmd { return c.Stdin(strings.NewReader(s)) }

// LogTo returns c writing its standard output and error, interleaved as
// they come, to w instead of capturing them: for long runs whose log is
// kept in a file. The Result's outputs are then empty.
func (c Cmd) LogTo(w io.Writer) Cmd {
	c.log = w
	return c
}

// Timeout returns c with a timeout of d, after which the program is killed
// and the run is an error.
func (c Cmd) Timeout(d time.Duration) Cmd {
	c.timeout = d
	return c
}

// String returns the command line as a shell would read it, for messages.
func (c Cmd) String() string {
	words := make([]string, 0, 1+len(c.args))
	for _, w := range append([]string{c.name}, c.args...) {
		if w == "" || strings.ContainsAny(w, " \t\n\"'\\$`*?[]{}()<>|&;#~") {
			w = strconv.Quote(w)
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// Result is how a command ended and what it printed.
type Result struct {
	Stdout, Stderr string
	Code           int // the exit status
}

// String shows the exit status and the last lines of both outputs.
func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.Code, Tail(r.Stdout, tailLines), Tail(r.Stderr, tailLines))
}

// Exec runs c to its end. A non-zero exit status is not an error but the
// result's Code. The error says that the program could not start or was
// still running at its timeout; it names the command, and a timeout's error
// quotes what the program had printed by then.
func (c Cmd) Exec() (Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.name, c.args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	if !c.replaceEnv {
		cmd.Env = append(os.Environ(), c.env...)
	}
	cmd.Stdin = c.stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if c.log != nil {
		cmd.Stdout, cmd.Stderr = c.log, c.log
	}
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return r, fmt.Errorf("%s: still running after %v (safety net)\n%s", c, c.timeout, r)
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
		return r, nil
	case err != nil:
		return r, fmt.Errorf("%s: %w", c, err)
	}
	return r, nil
}

// Output runs c and returns its standard output, white space trimmed. Any
// failure, a non-zero exit status included, is an error that names the
// command and quotes the last lines of its standard error.
func (c Cmd) Output() (string, error) {
	r, err := c.Exec()
	if err != nil {
		return r.Stdout, err
	}
	if r.Code != 0 {
		return r.Stdout, fmt.Errorf("%s: exit status %d: %s", c, r.Code, Tail(r.Stderr, tailLines))
	}
	return strings.TrimSpace(r.Stdout), nil
}

// Run runs c for a test and returns how it ended, whatever its exit status.
// It fails tb if the program cannot start or outlives its timeout.
func (c Cmd) Run(tb testing.TB) Result {
	tb.Helper()
	r, err := c.Exec()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// Must runs c for a test that needs it to succeed and returns its standard
// output, white space trimmed. Any failure fails tb.
func (c Cmd) Must(tb testing.TB) string {
	tb.Helper()
	r := c.Run(tb)
	if r.Code != 0 {
		tb.Fatalf("%s: %s", c, r)
	}
	return strings.TrimSpace(r.Stdout)
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Unavailable skips tb for a missing prerequisite (a program, an engine, an
// image), or fails it when the CI variable is set: in CI a missing
// prerequisite is a broken machine, not a reason to pass.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s (CI is set: failing instead of skipping)", msg)
	}
	tb.Skip(msg)
}

// Require calls Unavailable unless every program is found in PATH.
func Require(tb testing.TB, programs ...string) {
	tb.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			Unavailable(tb, "%s not found in PATH", p)
		}
	}
}
