package cli

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/go-multistage/multistage/calculator/internal/testonly/syncbuf"
)

// fakeTerminal records what the interactive mode does with the terminal.
type fakeTerminal struct {
	mu       sync.Mutex
	width    int
	rawErr   error
	raw      bool // in raw mode now
	restored int  // times restored
	resized  chan struct{}
}

func (f *fakeTerminal) MakeRaw() (func() error, error) {
	if f.rawErr != nil {
		return nil, f.rawErr
	}
	f.raw = true
	return func() error {
		f.raw = false
		f.restored++
		return nil
	}, nil
}

func (f *fakeTerminal) Size() (int, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.width, 24, nil
}

func (f *fakeTerminal) setWidth(w int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.width = w
}

func (f *fakeTerminal) Resized() <-chan struct{} { return f.resized }

const (
	up    = "\x1b[A"
	ctrlC = "\x03"
	ctrlD = "\x04"
)

func TestInteractive(t *testing.T) {
	tests := []struct {
		name   string
		keys   string
		width  int
		stdout []string // in this order, among the drawing of the line
		stderr string
	}{
		{"results and ans", "1 + 2\r" + "ans * 10\r" + "7/2\r" + ctrlD, 80,
			[]string{"\r\n3\r\n", "\r\n30\r\n", "\r\n3.5\r\n"}, ""},
		{"history", "1 + 1\r" + "3\r" + up + up + " * 5\r" + ctrlD, 80,
			[]string{"\r\n2\r\n", "\r\n3\r\n", "\r\n6\r\n"}, ""},
		{"back from the history", "7\r" + "12" + up + "\x1b[B" + "\r" + ctrlD, 80,
			[]string{"\r\n7\r\n", "\r\n12\r\n"}, ""},
		{"error with a caret", "1 / 0\r" + ctrlD, 80, nil,
			"      ^\r\nerror: division by zero at column 5\r\n"},
		{"a snippet when the line does not fit", "1 / 0\r" + ctrlD, 7, nil,
			"error: division by zero at column 5\r\n | 1 / 0\r\n |     ^\r\n"},
		{"caret under wide characters", "\u3000\u3000 1/0 # 中\r" + ctrlD, 80, nil,
			"         ^\r\nerror: division by zero at column 6\r\n"},
		{"Ctrl-C clears the line", "12" + ctrlC + "3\r" + ctrlD, 80,
			[]string{"> 12", "^C\r\n", "\r\n3\r\n"}, ""},
		{"Ctrl-C on an empty line", ctrlC + ctrlD, 80,
			[]string{"^C\r\n(To leave, type exit or press Ctrl-D.)\r\n"}, ""},
		{"interrupted lines are not in the history", "5\r" + "6" + ctrlC + up + "\r" + ctrlD, 80,
			[]string{"\r\n5\r\n", "> 6", "^C\r\n", "\r\n5\r\n"}, ""},
		{"exit", "1\rexit\r2\r", 80, []string{"\r\n1\r\n"}, ""},
		{"quit", "quit\r", 80, nil, ""},
		{"end of input", "1\r", 80, []string{"\r\n1\r\n"}, ""},
		{"help", "help\r" + ctrlD, 80, []string{"Expressions:\r\n", "Ctrl-C clears the line"}, ""},
		{"comments and blank lines", "# note\r\r   \r4\r" + ctrlD, 80, []string{"\r\n4\r\n"}, ""},
		{"exit with a comment", "1\rexit # bye\r2\r", 80, []string{"\r\n1\r\n"}, ""},
		{"seed lines", "5 + 3\r10 / 2\rexit\r", 80, []string{"\r\n8\r\n", "\r\n5\r\n"}, ""},
		{"variables", "x = 3\r" + "x * 2\r" + "ans + x\r" + ctrlD, 80,
			[]string{"> x = 3\x1b[K\r\x1b[7C\r\n\r> ", "\r\n6\r\n", "\r\n9\r\n"}, ""},
		{"rounded results marked", "1/3\r10^20/3\r1/8\r1 + 2^-30103\r" + ctrlD, 80,
			[]string{"\r\n≈ 0.33333333333333333333\r\n", "\r\n≈ 33333333333333333333\r\n", "\r\n0.125\r\n", "\r\n≈ 1\r\n"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tty := &fakeTerminal{width: tt.width}
			stdout, stderr, code := run(t, nil, strings.NewReader(tt.keys), tty)
			if code != ExitOK {
				t.Errorf("status %d, want 0", code)
			}
			if tty.raw || tty.restored != 1 {
				t.Errorf("terminal raw %v, restored %d times; want restored once", tty.raw, tty.restored)
			}
			if !strings.HasPrefix(stdout, "calculator ") || !strings.Contains(stdout, "Type help for help") {
				t.Errorf("no banner: %q", stdout)
			}
			rest := stdout
			for _, want := range tt.stdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stdout %q: no %q (in order)", stdout, want)
				}
				rest = rest[i+len(want):]
			}
			if stderr != tt.stderr {
				t.Errorf("stderr %q, want %q", stderr, tt.stderr)
			}
		})
	}
}

// TestInteractiveExitLeavesInput checks that nothing after "exit" runs.
func TestInteractiveExitLeavesInput(t *testing.T) {
	stdout, _, _ := run(t, nil, strings.NewReader("exit\r1/0\r"), &fakeTerminal{width: 80})
	if strings.Contains(stdout, "1/0") {
		t.Errorf("input after exit was read: %q", stdout)
	}
}

// TestInteractiveWithoutRawMode checks the fall-back to reading lines when
// the terminal cannot be put in raw mode.
func TestInteractiveWithoutRawMode(t *testing.T) {
	tty := &fakeTerminal{rawErr: errors.New("not a terminal")}
	stdout, stderr, code := run(t, nil, strings.NewReader("1 + 1\n"), tty)
	if stdout != "2\n" || stderr != "" || code != ExitOK || tty.restored != 0 {
		t.Errorf("stdout %q, stderr %q, status %d, restored %d", stdout, stderr, code, tty.restored)
	}
}

// TestArgsIgnoreTerminal checks that arguments win over the terminal.
func TestArgsIgnoreTerminal(t *testing.T) {
	tty := &fakeTerminal{width: 80}
	stdout, _, code := run(t, []string{"6 * 7"}, failingReader{t}, tty)
	if stdout != "42\n" || code != ExitOK || tty.restored != 0 || tty.raw {
		t.Errorf("stdout %q, status %d, terminal used", stdout, code)
	}
}

// TestInteractiveResize checks that a resize of the terminal redraws the
// line being typed at once, for the new width, without waiting for a key.
func TestInteractiveResize(t *testing.T) {
	keys, typed := io.Pipe()
	tty := &fakeTerminal{width: 80, resized: make(chan struct{})}
	out := &syncbuf.Buffer{}
	done := make(chan int)
	go func() { done <- Run(nil, keys, out, io.Discard, tty) }()
	typed.Write([]byte("1234567890"))
	out.WaitFor(t, "> 1234567890")
	tty.setWidth(8) // room for 5 characters
	tty.resized <- struct{}{}
	out.WaitFor(t, "\x1b[1A\r\x1b[J\r> 67890\x1b[K")
	typed.Write([]byte("\r" + ctrlD))
	if code := <-done; code != ExitOK {
		t.Errorf("status %d", code)
	}
	if !strings.Contains(out.String(), "\r\n1234567890\r\n") {
		t.Errorf("no result in %q", out.String())
	}
}
