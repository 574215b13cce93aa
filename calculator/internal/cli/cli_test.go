package cli

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// run runs Run with stdin and returns what it wrote and its exit status.
func run(t *testing.T, args []string, stdin io.Reader, tty Terminal) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, stdin, &out, &errOut, tty)
	return out.String(), errOut.String(), code
}

const seeUsage = "Run 'calculator --help' for usage.\n"

// caret returns the snippet of an error at column col (1-based) of src,
// which holds only characters one column wide.
func caret(src string, col int) string {
	return " | " + src + "\n | " + strings.Repeat(" ", col-1) + "^\n"
}

func TestArgs(t *testing.T) {
	tests := []struct {
		args           []string
		stdout, stderr string
		code           int
	}{
		{[]string{"2 * (3 + 4)"}, "14\n", "", ExitOK},
		{[]string{"2", "*", "3"}, "6\n", "", ExitOK},
		{[]string{"-3", "+", "4"}, "1\n", "", ExitOK},
		{[]string{"-3 + 4"}, "1\n", "", ExitOK},
		{[]string{"-.5", "*", "2"}, "-1\n", "", ExitOK},
		{[]string{"-(1)"}, "-1\n", "", ExitOK},
		{[]string{"-", "3"}, "-3\n", "", ExitOK},
		{[]string{"--", "-3"}, "-3\n", "", ExitOK},
		{[]string{"--", "-f"}, "", "error: unknown name \"f\" at column 2\n" + caret("-f", 2), ExitError},
		{[]string{"5 + 3"}, "8\n", "", ExitOK},
		{[]string{"\ufeff5 + 3"}, "8\n", "", ExitOK},
		{[]string{"\ufeff-f", "1/2"}, "1/2\n", "", ExitOK},
		{[]string{"10 / 2"}, "5\n", "", ExitOK},
		{[]string{"10 / 3"}, "3.3333333333333333333\n", "", ExitOK},
		{[]string{"7 / 2"}, "3.5\n", "", ExitOK},
		{[]string{"9223372036854775807 + 1"}, "9223372036854775808\n", "", ExitOK},
		{[]string{"-p", "5", "1/3"}, "0.33333\n", "", ExitOK},
		{[]string{"-p5", "1/3"}, "0.33333\n", "", ExitOK},
		{[]string{"-p=5", "1/3"}, "0.33333\n", "", ExitOK},
		{[]string{"--precision", "5", "1/3"}, "0.33333\n", "", ExitOK},
		{[]string{"--precision=5", "-2/3"}, "-0.66667\n", "", ExitOK},
		{[]string{"-p", "1", "-f", "0.75"}, "3/4\n", "", ExitOK},
		{[]string{"--fraction", "6/2"}, "3\n", "", ExitOK},
		{[]string{"-f", "-p", "3", "1/3"}, "1/3\n", "", ExitOK},
		{[]string{"1 / 0"}, "", "error: division by zero at column 5\n" + caret("1 / 0", 5), ExitError},
		{[]string{"(1 + 2))"}, "", "error: unexpected \")\" at column 8\n" + caret("(1 + 2))", 8), ExitError},
		{[]string{"1", "/", "(2 - 2)"}, "", "error: division by zero at column 5\n" + caret("1 / (2 - 2)", 5), ExitError},
		{[]string{""}, "", "error: empty expression at column 1\n" + caret("", 1), ExitError},
		{[]string{"ans"}, "", "error: \"ans\" has no value yet at column 1\n" + caret("ans", 1), ExitError},
		{[]string{"1", "-f"}, "", "error: unknown name \"f\" at column 4\n" + caret("1 -f", 4), ExitError},
		{[]string{"2^1000000000"}, "", "error: result too large (more than 100000 bits) at column 2\n" + caret("2^1000000000", 2), ExitError},

		{[]string{"-x"}, "", "calculator: unknown option \"-x\"\n" + seeUsage, ExitUsage},
		{[]string{"--nope", "1"}, "", "calculator: unknown option \"--nope\"\n" + seeUsage, ExitUsage},
		{[]string{"-ans"}, "", "calculator: unknown option \"-ans\"\n" + seeUsage, ExitUsage},
		{[]string{"-p"}, "", "calculator: option -p needs a value\n" + seeUsage, ExitUsage},
		{[]string{"1", "--precision"}, "", "error: unknown name \"precision\" at column 5\n" + caret("1 --precision", 5), ExitError},
		{[]string{"-p", "0", "1"}, "", "calculator: invalid precision \"0\": want a whole number from 1 to 10000\n" + seeUsage, ExitUsage},
		{[]string{"-p", "abc"}, "", "calculator: invalid precision \"abc\": want a whole number from 1 to 10000\n" + seeUsage, ExitUsage},
		{[]string{"--precision=10001"}, "", "calculator: invalid precision \"10001\": want a whole number from 1 to 10000\n" + seeUsage, ExitUsage},
		{[]string{"--fraction=yes"}, "", "calculator: option --fraction takes no value\n" + seeUsage, ExitUsage},
		{[]string{"--budget"}, "", "calculator: option --budget needs a value\n" + seeUsage, ExitUsage},
		{[]string{"--budget=abc", "1"}, "", "calculator: invalid budget \"abc\": want a duration such as 30s or 5m, or off\n" + seeUsage, ExitUsage},
		{[]string{"--budget", "-1s", "1"}, "", "calculator: invalid budget \"-1s\": want a duration such as 30s or 5m, or off\n" + seeUsage, ExitUsage},
		{[]string{"--budget", "1ns", "(5^43000 + 1)/7^35000 * 0"}, "0\n", "", ExitOK}, // not for arguments
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, tt.args, failingReader{t}, nil)
			if stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
				t.Errorf("got stdout %q, stderr %q, status %d\nwant stdout %q, stderr %q, status %d",
					stdout, stderr, code, tt.stdout, tt.stderr, tt.code)
			}
		})
	}
}

// failingReader fails the test when read: the arguments mode must not read
// its input.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("stdin read")
	return 0, io.EOF
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-h", "1/0"}, {"-p", "3", "--help"}} {
		stdout, stderr, code := run(t, args, failingReader{t}, nil)
		if stdout != usage || stderr != "" || code != ExitOK {
			t.Errorf("%q: stdout %q, stderr %q, status %d", args, stdout, stderr, code)
		}
	}
	for _, args := range [][]string{{"-v"}, {"--version"}} {
		stdout, stderr, code := run(t, args, failingReader{t}, nil)
		if !strings.HasPrefix(stdout, "calculator ") || !strings.HasSuffix(stdout, ", "+runtime.Version()+")\n") ||
			stderr != "" || code != ExitOK {
			t.Errorf("%q: stdout %q, stderr %q, status %d", args, stdout, stderr, code)
		}
	}
}

func TestStream(t *testing.T) {
	long := strings.Repeat("1", maxLine+1)
	longest := "1" + strings.Repeat("+1", (maxLine-1)/2) + " " // maxLine bytes
	tests := []struct {
		name           string
		args           []string
		stdin          string
		stdout, stderr string
		code           int
	}{
		{"seed lines", nil, "5 + 3\n10 / 2\n", "8\n5\n", "", ExitOK},
		{"no final newline", nil, "1 + 2", "3\n", "", ExitOK},
		{"CRLF", nil, "1\r\n2\r\n", "1\n2\n", "", ExitOK},
		{"blank lines and comments", nil, "\n  \n# comment\n  # indented\n\t\n4 # four\n", "4\n", "", ExitOK},
		{"errors name the line and go on", nil, "1/0\n2\n\n(1))\n3\n", "2\n3\n",
			"error: line 1: division by zero at column 3\n" + caret("1/0", 3) + "error: line 4: unexpected \")\" at column 4\n" + caret("(1))", 4), ExitError},
		{"exit", nil, "5 + 3\nexit\n6\n", "8\n", "", ExitOK},
		{"exit with a comment", nil, "5 + 3\nexit # bye\n6\n", "8\n", "", ExitOK},
		{"quit with a comment", nil, "quit#\n6\n", "", "", ExitOK},
		{"help with a comment", nil, "help # me\n", usage, "", ExitOK},
		{"byte-order mark", nil, "\ufeff1 + 1\n\ufeff2\n", "2\n",
			"error: line 2: unexpected \"\\ufeff\" at column 1\n" + caret("\ufffd2", 1), ExitError},
		{"byte-order mark before exit", nil, "\ufeffexit\n6\n", "", "", ExitOK},
		{"quit after an error", nil, "1/0\n  quit  \n2\n", "", "error: line 1: division by zero at column 3\n" + caret("1/0", 3), ExitError},
		{"ans", nil, "2\nans * 3\nans + 1\n", "2\n6\n7\n", "", ExitOK},
		{"ans keeps the last success", nil, "2\n1/0\nans\n", "2\n2\n", "error: line 2: division by zero at column 3\n" + caret("1/0", 3), ExitError},
		{"ans before any result", nil, "1/0\nans\n", "",
			"error: line 1: division by zero at column 3\n" + caret("1/0", 3) + "error: line 2: \"ans\" has no value yet at column 1\n" + caret("ans", 1), ExitError},
		{"help", nil, "help\n1\n", usage + "1\n", "", ExitOK},
		{"options apply", []string{"-f"}, "1/4\n3\n", "1/4\n3\n", "", ExitOK},
		{"precision applies", []string{"-p", "3"}, "2/3\n", "0.667\n", "", ExitOK},
		{"empty input", nil, "", "", hint, ExitOK},
		{"only a newline", nil, "\n", "", "", ExitOK},
		{"line too long", nil, long + "\n2\n", "2\n", "error: line 1: line too long (more than 65536 bytes)\n", ExitError},
		{"line too long with CRLF", nil, long + "\r\n2\r\n", "2\n", "error: line 1: line too long (more than 65536 bytes)\n", ExitError},
		{"much too long", nil, "1\n" + strings.Repeat(long, 5) + "\n3\n", "1\n3\n", "error: line 2: line too long (more than 65536 bytes)\n", ExitError},
		{"too long at the end", nil, "1\n" + strings.Repeat(long, 3), "1\n", "error: line 2: line too long (more than 65536 bytes)\n", ExitError},
		{"longest line", nil, longest + "\r\n", "32768\n", "", ExitOK},
		{"invalid UTF-8", nil, "1 + \xff\n", "", "error: line 1: unexpected \"\\xff\" at column 5\n" + caret("1 + \ufffd", 5), ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tt.args, strings.NewReader(tt.stdin), nil)
			if stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
				t.Errorf("got stdout %.200q, stderr %.200q, status %d\nwant stdout %.200q, stderr %.200q, status %d",
					stdout, stderr, code, tt.stdout, tt.stderr, tt.code)
			}
		})
	}
}

// TestBudget checks that --budget bounds the big-number work of all the
// lines together: a line that would pass it fails, and the lines after it
// still run if they need none.
func TestBudget(t *testing.T) {
	heavy := "(5^43000 + 1)/7^35000 * 0" // about 21 ms of estimated work
	in := heavy + "\n" + heavy + "\n1 + 1\n"
	budgetUsed := "error: line 2: CPU budget used up at column 14\n" + caret(heavy, 14)
	tests := []struct {
		budget, stdout, stderr string
		code                   int
	}{
		{"30ms", "0\n2\n", budgetUsed, ExitError},
		{"30000000ns", "0\n2\n", budgetUsed, ExitError},
		{"1m", "0\n0\n2\n", "", ExitOK},
		{"off", "0\n0\n2\n", "", ExitOK},
		{"0", "0\n0\n2\n", "", ExitOK},
	}
	for _, tt := range tests {
		stdout, stderr, code := run(t, []string{"--budget", tt.budget}, strings.NewReader(in), nil)
		if stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
			t.Errorf("--budget %s: stdout %q, stderr %q, status %d\nwant stdout %q, stderr %q, status %d",
				tt.budget, stdout, stderr, code, tt.stdout, tt.stderr, tt.code)
		}
	}
}

// TestStreamOrder checks that results and errors come out in the order of
// the lines they are for.
func TestStreamOrder(t *testing.T) {
	var both bytes.Buffer
	code := Run(nil, strings.NewReader("1\n1/0\n2\n(\n3\n"), &both, &both, nil)
	want := "1\nerror: line 2: division by zero at column 3\n" + caret("1/0", 3) + "2\nerror: line 4: unexpected end of input at column 2\n" + caret("(", 2) + "3\n"
	if both.String() != want || code != ExitError {
		t.Errorf("got %q, status %d; want %q, status 1", both.String(), code, want)
	}
}

// TestStreamChunks feeds many lines in pieces of awkward sizes.
func TestStreamChunks(t *testing.T) {
	var in, want strings.Builder
	for i := range 3000 {
		in.WriteString(itoa(i) + " * 2 + 1/2\n")
		want.WriteString(itoa(2*i) + ".5\n")
	}
	for _, size := range []int{1, 3, 7, 4093, 65537} {
		stdout, stderr, code := run(t, nil, &chunkReader{s: in.String(), size: size}, nil)
		if stdout != want.String() || stderr != "" || code != ExitOK {
			t.Errorf("chunks of %d: stdout %.100q..., stderr %q, status %d", size, stdout, stderr, code)
		}
	}
	stdout, _, _ := run(t, nil, iotest.OneByteReader(strings.NewReader("1\n2")), nil)
	if stdout != "1\n2\n" {
		t.Errorf("one byte at a time: %q", stdout)
	}
}

// chunkReader returns s in reads of at most size bytes.
type chunkReader struct {
	s    string
	size int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.size)], r.s)
	r.s = r.s[n:]
	return n, nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestStreamIOErrors(t *testing.T) {
	boom := errors.New("boom")
	stdout, stderr, code := run(t, nil, io.MultiReader(strings.NewReader("1\n2\n"), iotest.ErrReader(boom)), nil)
	if stdout != "1\n2\n" || stderr != "error: reading the input: boom\n" || code != ExitError {
		t.Errorf("read error: stdout %q, stderr %q, status %d", stdout, stderr, code)
	}
	var errOut bytes.Buffer
	code = Run(nil, strings.NewReader("1\n2\n"), failingWriter{boom}, &errOut, nil)
	if errOut.String() != "error: writing the output: boom\n" || code != ExitError {
		t.Errorf("write error: stderr %q, status %d", errOut.String(), code)
	}
	code = Run([]string{"1"}, nil, failingWriter{boom}, &errOut, nil)
	if code != ExitError {
		t.Errorf("write error in the arguments mode: status %d", code)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestInternalError(t *testing.T) {
	for v, want := range map[any]string{
		"oops":            "internal error (please report it): oops",
		errors.New("bad"): "internal error (please report it): bad",
		42:                "internal error (please report it): unknown panic",
	} {
		if got := (internalError{v}).Error(); got != want {
			t.Errorf("internalError{%v} = %q, want %q", v, got, want)
		}
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add("-p\x0030\x001/3")
	f.Add("-f\x00--\x00-3")
	f.Add("--precision=5\x00-h")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		o, err := parseArgs(args)
		if err != nil {
			if _, ok := err.(usageError); !ok {
				t.Fatalf("parseArgs(%q): error %T", args, err)
			}
			return
		}
		if o.precision < 1 || o.precision > 10000 {
			t.Fatalf("parseArgs(%q): precision %d", args, o.precision)
		}
		// The expression is a tail of the arguments.
		if len(o.expr) > 0 && &o.expr[len(o.expr)-1] != &args[len(args)-1] {
			t.Fatalf("parseArgs(%q): expression %q is not a tail", args, o.expr)
		}
	})
}

// TestRoundedMark checks that a rounded result is marked only on a
// terminal, and never with --fraction, in every mode.
func TestRoundedMark(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		tty   bool
		want  string
	}{
		{"arguments on a terminal", []string{"-p", "3", "1000/3"}, "", true, "≈ 333\n"},
		{"exact on a terminal", []string{"7/2"}, "", true, "3.5\n"},
		{"fraction on a terminal", []string{"-f", "1000/3"}, "", true, "1000/3\n"},
		{"arguments in a pipe", []string{"-p", "3", "1000/3"}, "", false, "333\n"},
		{"input lines in a pipe", nil, "1/3\n2/4\n", false, "0.33333333333333333333\n0.5\n"},
		{"irrational on a terminal", []string{"-p", "5", "sqrt(2)"}, "", true, "≈ 1.4142\n"},
		{"irrational with --fraction", []string{"-f", "pi"}, "", true, "≈ 3.1415926535897932385\n"},
		{"irrational in a pipe with --fraction", []string{"-f", "-p", "3", "pi"}, "", false, "3.14\n"},
		{"exact from an interval", []string{"floor(pi) + ln(1)"}, "", true, "3\n"},
		{"a rounded variable", nil, "x = sqrt(2)\nx^2\n", false, "2\n"},
		{"ten thousand digits", []string{"-p", "10000", "floor(10^9999 * pi) % 10^6"}, "", false, "637567\n"}, // bc -l: scale=10010; 4*a(1)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tty Terminal
			if tt.tty {
				tty = &fakeTerminal{width: 80}
			}
			stdout, stderr, code := run(t, tt.args, strings.NewReader(tt.stdin), tty)
			if stdout != tt.want || stderr != "" || code != ExitOK {
				t.Errorf("stdout %q, stderr %q, status %d; want %q, status 0", stdout, stderr, code, tt.want)
			}
		})
	}
}

// TestVariables sets and uses variables across lines in every mode: an
// assignment prints nothing, as in bc, and leaves ans alone.
func TestVariables(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		stdout string
		stderr string
		code   int
	}{
		{"input lines", nil, "x = 3\nx * 2\n", "6\n", "", ExitOK},
		{"ans stays the last result", nil, "5\nx = 3\nans + x\n", "5\n8\n", "", ExitOK},
		{"reassigned from itself", nil, "n = 1\nn = n * 10\nn = n * 10\nn\n", "100\n", "", ExitOK},
		{"unknown until set", nil, "y\ny = 2\ny\n", "2\n",
			"error: line 1: unknown name \"y\" at column 1\n | y\n | ^\n", ExitError},
		{"a failed assignment sets nothing", nil, "z = 1/0\nz\n", "",
			"error: line 1: division by zero at column 7\n | z = 1/0\n |       ^\n" +
				"error: line 2: unknown name \"z\" at column 1\n | z\n | ^\n", ExitError},
		{"ans cannot be assigned", []string{"ans = 1"}, "", "",
			"error: cannot assign to \"ans\" at column 1\n | ans = 1\n | ^\n", ExitError},
		{"an assignment as arguments prints nothing", []string{"x", "=", "3"}, "", "", "", ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, tt.args, strings.NewReader(tt.stdin), nil)
			if stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
				t.Errorf("stdout %q, stderr %q, status %d;\nwant   %q, stderr %q, status %d", stdout, stderr, code, tt.stdout, tt.stderr, tt.code)
			}
		})
	}
}
