package cli

import (
	"os"
	"os/signal"
	"sync"

	"golang.org/x/term"
)

// OSTerminal is a Terminal on the process's own files.
type OSTerminal struct {
	in, out int      // file descriptors
	outFile *os.File // out

	mu    sync.Mutex
	saved *term.State // the mode to restore, while in raw mode

	winch     chan os.Signal
	resized   chan struct{}
	watchOnce sync.Once
}

// OpenTerminal returns the Terminal made of in and out, and false when
// they are not both terminals.
func OpenTerminal(in, out *os.File) (*OSTerminal, bool) {
	t := &OSTerminal{in: int(in.Fd()), out: int(out.Fd()), outFile: out}
	if !term.IsTerminal(t.in) || !term.IsTerminal(t.out) {
		return nil, false
	}
	return t, true
}

// MakeRaw puts the input terminal in raw mode and returns Restore.
func (t *OSTerminal) MakeRaw() (func() error, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	state, err := term.MakeRaw(t.in)
	if err != nil {
		return nil, err
	}
	t.saved = state
	return t.Restore, nil
}

// Restore puts the terminal back in the mode MakeRaw found it in. It may
// be called more than once, also from another goroutine, such as a
// signal handler's.
func (t *OSTerminal) Restore() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved == nil {
		return nil
	}
	err := term.Restore(t.in, t.saved)
	t.saved = nil
	return err
}

// EndLine ends the screen line the interactive mode is drawing, so that
// what comes next (the shell's prompt) starts on a line of its own, and
// restores the terminal's mode. It is for a signal handler that ends the
// program while a line is being edited; outside raw mode it does nothing.
func (t *OSTerminal) EndLine() error {
	t.mu.Lock()
	raw := t.saved != nil
	t.mu.Unlock()
	if raw {
		_, _ = t.outFile.WriteString("\r\n") // restoring the mode matters more
	}
	return t.Restore()
}

// Resized returns a channel that receives a value after each SIGWINCH,
// or nil where there is no such signal. The first call starts listening
// for the signal.
func (t *OSTerminal) Resized() <-chan struct{} {
	if sigwinch == nil {
		return nil
	}
	t.watchOnce.Do(func() {
		t.winch = make(chan os.Signal, 1)
		t.resized = make(chan struct{}, 1)
		signal.Notify(t.winch, sigwinch)
		go func() {
			for range t.winch {
				select {
				case t.resized <- struct{}{}:
				default: // one pending redraw is enough
				}
			}
		}()
	})
	return t.resized
}

// Size returns the output terminal's width and height.
func (t *OSTerminal) Size() (width, height int, err error) {
	return term.GetSize(t.out)
}
