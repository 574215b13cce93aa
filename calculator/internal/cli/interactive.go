package cli

import (
	"errors"
	"io"
	"strings"

	"github.com/go-multistage/multistage/calculator/expr"
	"github.com/go-multistage/multistage/calculator/internal/buildinfo"
	"github.com/go-multistage/multistage/calculator/internal/lineedit"
	"github.com/go-multistage/multistage/calculator/internal/width"
)

// Terminal is the terminal the interactive mode runs on.
type Terminal interface {
	// MakeRaw puts the terminal in raw mode, for line editing, and
	// returns a function that restores the mode it was in.
	MakeRaw() (restore func() error, err error)
	// Size returns the terminal's width and height in characters.
	Size() (width, height int, err error)
	// Resized returns a channel that receives a value when the
	// terminal's size changes (SIGWINCH), or nil when that is not known.
	Resized() <-chan struct{}
}

const prompt = "> "

const interactiveHelp = exprHelp +
	`Keys: Up and Down recall earlier lines, Left, Right, Home and End move,
Alt-B and Alt-F move by word, Ctrl-W erases the word before the cursor,
Ctrl-C clears the line, Ctrl-D on an empty line (or exit, or quit) leaves.
`

// repl is an interactive session on a terminal in raw mode.
type repl struct {
	s      *session
	tty    Terminal
	ed     *lineedit.Editor
	width  int
	stdout io.Writer // with "\r\n" line endings, as raw mode needs
	stderr io.Writer // likewise
}

// runInteractive reads expressions from the terminal with a prompt, line
// editing and history, until Ctrl-D, "exit" or "quit". Errors are shown
// with a caret under their column. It restores the terminal before it
// returns. The exit status is ExitOK unless the terminal fails.
func runInteractive(s *session, stdin io.Reader, stdout, stderr io.Writer, tty Terminal) int {
	restore, err := tty.MakeRaw()
	if err != nil {
		// Not a terminal we can drive after all: read plain lines.
		return runStream(s, stdin, stdout, stderr)
	}
	defer func() { _ = restore() }() // a terminal that cannot be restored has already failed a read or write
	r := &repl{
		s:      s,
		tty:    tty,
		ed:     lineedit.New(stdin, stdout, prompt),
		stdout: crlfWriter{stdout},
		stderr: crlfWriter{stderr},
	}
	stop := make(chan struct{})
	defer close(stop)
	go r.follow(tty.Resized(), stop)
	return r.run()
}

// follow redraws the line being edited for the terminal's new width each
// time resized receives, until stop is closed.
func (r *repl) follow(resized <-chan struct{}, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-resized:
			if w, _, err := r.tty.Size(); err == nil {
				_ = r.ed.Resize(w) // a failed write shows up in ReadLine's next one
			}
		}
	}
}

func (r *repl) run() int {
	banner := name + " " + buildinfo.Get().Version +
		": exact arithmetic. Type help for help, exit or Ctrl-D to leave.\n"
	if writeString(r.stdout, banner) != nil {
		return ExitError
	}
	for {
		r.resize()
		line, err := r.ed.ReadLine()
		r.width = r.ed.Width()
		switch {
		case errors.Is(err, lineedit.ErrInterrupted):
			if strings.TrimSpace(line) == "" {
				err = writeString(r.stdout, "(To leave, type exit or press Ctrl-D.)\n")
			} else {
				err = nil
			}
		case errors.Is(err, io.EOF):
			return ExitOK
		case err != nil:
			warn(r.stderr, "error: using the terminal: "+err.Error()+"\n")
			return ExitError
		default:
			switch command(line) {
			case "":
			case "exit", "quit":
				return ExitOK
			case "help":
				err = writeString(r.stdout, interactiveHelp)
			default:
				err = r.eval(line)
			}
		}
		if err != nil {
			return ExitError
		}
	}
}

// eval evaluates line and shows the result, or the error on stderr. The
// line just typed is still on the screen when it fitted: then a caret
// under it shows where the error is; otherwise the error's snippet does.
func (r *repl) eval(line string) error {
	out, err := r.s.eval(line)
	if err == nil {
		return writeString(r.stdout, out)
	}
	msg := "error: " + err.Error() + "\n"
	if e, ok := err.(*expr.Error); ok {
		if len(prompt)+width.String(line) < r.width {
			msg = strings.Repeat(" ", len(prompt)+e.ScreenColumn()) + "^\n" + msg
		} else {
			msg += e.Snippet(r.width)
		}
	}
	return writeString(r.stderr, msg)
}

// resize tells the line editor the terminal's width.
func (r *repl) resize() {
	if w, _, err := r.tty.Size(); err == nil && w > 0 {
		r.width = w
	} else if r.width == 0 {
		r.width = 80
	}
	r.ed.SetWidth(r.width)
}

// crlfWriter writes to w with "\n" turned into "\r\n", as a terminal in
// raw mode needs.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, strings.ReplaceAll(string(p), "\n", "\r\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}
