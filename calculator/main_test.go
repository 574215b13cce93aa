package main

// End-to-end tests: they build the real binary once and run it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the calculator built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "calculator-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "calculator")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the calculator:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// safetyNet bounds how long any run may take, only so that a hang fails
// the test instead of blocking it: it asserts nothing about speed.
const safetyNet = 30 * time.Second

// run runs the calculator with args and stdin (nil: /dev/null) and
// returns its output and exit status.
func run(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runProgram(t, stdin, binary, args...)
}

// runProgram is run for any program, such as a shell running the
// calculator.
func runProgram(t *testing.T, stdin io.Reader, program string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("calculator %q did not end within %v", args, safetyNet)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running the calculator: %v", err)
	}
	return out.String(), errOut.String(), code
}

// TestEmptyInput runs the calculator as docker run --rm IMAGE does: no
// arguments and an empty, closed stdin. It must print the hint and end.
func TestEmptyInput(t *testing.T) {
	for name, stdin := range map[string]io.Reader{
		"/dev/null":        nil,
		"empty pipe":       strings.NewReader(""),
		"pipe closed late": &slowEmptyReader{delay: 100 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := run(t, stdin)
			if stdout != "" || code != 0 || !strings.Contains(stderr, "docker run --rm -it IMAGE") ||
				!strings.Contains(stderr, "docker run --rm IMAGE '2 * (3 + 4)'") {
				t.Errorf("stdout %q, stderr %q, status %d", stdout, stderr, code)
			}
		})
	}
}

// slowEmptyReader ends after a while without giving any data.
type slowEmptyReader struct{ delay time.Duration }

func (r *slowEmptyReader) Read([]byte) (int, error) {
	time.Sleep(r.delay)
	return 0, io.EOF
}

// TestManyLines pipes 10,000 lines, written in pieces of odd sizes, and
// expects 10,000 results in order; every other line uses the result of
// the line before.
func TestManyLines(t *testing.T) {
	const n = 10_000
	var in, want strings.Builder
	for i := range n {
		if i%2 == 0 {
			fmt.Fprintf(&in, "%d * 3 + 1\n", i)
			fmt.Fprintf(&want, "%d\n", 3*i+1)
		} else {
			in.WriteString("ans + 1/2\n")
			fmt.Fprintf(&want, "%d.5\n", 3*(i-1)+1)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	data := in.String()
	sizes := []int{1, 7, 4099, 13, 65537, 2, 333}
	for i := 0; len(data) > 0; i++ {
		k := min(sizes[i%len(sizes)], len(data))
		if _, err := io.WriteString(stdin, data[:k]); err != nil {
			t.Fatalf("writing: %v", err)
		}
		data = data[k:]
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("calculator: %v; stderr %q", err, errOut.String())
	}
	if got := strings.Count(out.String(), "\n"); got != n {
		t.Errorf("%d result lines, want %d", got, n)
	}
	if out.String() != want.String() {
		t.Errorf("results differ from what was expected")
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr %q", errOut.String())
	}
}

// TestOutputFails checks that results that cannot be written are one error
// and status 1: a standard output closed at the start (which Go's runtime
// replaces with /dev/null), and a full one.
func TestOutputFails(t *testing.T) {
	tests := []struct {
		name, redirect, stdin string
		args                  []string
		stderr                string
	}{
		{"closed, arguments", ">&-", "", []string{"1+1"}, "error: writing the output: standard output is closed\n"},
		{"closed, input lines", ">&-", "1\n2\n", nil, "error: writing the output: standard output is closed\n"},
		{"full, arguments", ">/dev/full", "", []string{"1+1"}, "error: writing the output: write /dev/stdout: no space left on device\n"},
		{"full, input lines", ">/dev/full", "1\n2\n", nil, "error: writing the output: write /dev/stdout: no space left on device\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-c", `exec "$0" "$@" ` + tt.redirect, binary}, tt.args...)
			stdout, stderr, code := runProgram(t, strings.NewReader(tt.stdin), "sh", args...)
			if stdout != "" || stderr != tt.stderr || code != 1 {
				t.Errorf("stdout %q, stderr %q, status %d; want stderr %q, status 1", stdout, stderr, code, tt.stderr)
			}
		})
	}
	// Discarding the results on purpose is no error.
	if _, stderr, code := runProgram(t, nil, "sh", "-c", `exec "$0" 1+1 >/dev/null`, binary); stderr != "" || code != 0 {
		t.Errorf(">/dev/null: stderr %q, status %d", stderr, code)
	}
}

// TestReaderGoneEndsBySIGPIPE closes the read end of the calculator's
// standard output while it writes: it ends by SIGPIPE, which a shell
// shows as status 141, as the README's exit-status table says, and it
// neither hangs nor reports success.
func TestReaderGoneEndsBySIGPIPE(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	cmd.Stdin = strings.NewReader(strings.Repeat("1+1\n", 200_000))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	line := make([]byte, 2)
	if _, err := io.ReadFull(r, line); err != nil || string(line) != "2\n" {
		t.Errorf("first line %q, %v; want \"2\\n\"", line, err)
	}
	r.Close() // the reader goes away, as head -1 does
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatal("the calculator did not end after its reader went away")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("Wait: %v, want an exit by SIGPIPE", err)
	}
	if st, ok := exit.Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != syscall.SIGPIPE {
		t.Errorf("ended with %v, want killed by SIGPIPE (status 141 in a shell)", exit)
	}
}

// TestRoundTrip pipes the largest results the calculator prints back into
// it: every printed number must read back as the same number.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		flags []string
		src   string
	}{
		{nil, "2^99999 + (2^99999 - 1)"}, // the largest integer: 30103 digits
		{nil, "-(2^99999 + (2^99999 - 1))"},
		{nil, "2^40000"},
		{nil, "2^-99999"}, // exact, but 69896 digits: rounded
		{nil, "(2^99999 + 1)/2^99999"},
		{[]string{"-p", "10000"}, "1/7"},
		{[]string{"-p", "10000"}, "1/3^60000"}, // tiny: 10000 digits times 10^-38630
		{[]string{"-p", "10000"}, "2^-99999"},  // the smallest: 10^-30103
		{[]string{"-p", "10000"}, "-1/(2^99999 + (2^99999 - 1))"},
		{[]string{"-p", "10000"}, "(2^99999+1)/3"}, // the largest non-integer
		{[]string{"-f"}, "2^99999/3^63000"},        // 60163 characters
		{[]string{"-f"}, "-(3^63000 + 1)/(2^99999 + (2^99999 - 1))"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append(tt.flags, tt.src), " "), func(t *testing.T) {
			printed, stderr, code := run(t, nil, append(tt.flags, tt.src)...)
			if code != 0 {
				t.Fatalf("calculator %q: status %d, %s", tt.src, code, stderr)
			}
			again, stderr, code := run(t, strings.NewReader(printed), tt.flags...)
			if code != 0 || again != printed {
				t.Errorf("%d characters printed read back with status %d (%.200s) as %.100q..., want the same",
					len(printed), code, stderr, again)
			}
		})
	}
}
