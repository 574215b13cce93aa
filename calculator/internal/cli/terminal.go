package cli

import (
	"os"
	"sync"

	"golang.org/x/term"
)

// OSTerminal is a Terminal on the process's own files.
type OSTerminal struct {
	in, out int // file descriptors

	mu    sync.Mutex
	saved *term.State // the mode to restore, while in raw mode
}

// OpenTerminal returns the Terminal made of in and out, and false when
// they are not both terminals.
func OpenTerminal(in, out *os.File) (*OSTerminal, bool) {
	t := &OSTerminal{in: int(in.Fd()), out: int(out.Fd())}
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

// Size returns the output terminal's width and height.
func (t *OSTerminal) Size() (width, height int, err error) {
	return term.GetSize(t.out)
}
