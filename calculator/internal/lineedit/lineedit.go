// Package lineedit reads lines from a terminal in raw mode, with a prompt,
// the usual editing keys and a history.
//
// It replaces golang.org/x/term's Terminal, which links package fmt (and
// with it reflect) into the program, about 200 KB that the calculator's
// size budget cannot afford. Lines longer than the terminal's width
// scroll sideways instead of wrapping, so that the drawing stays simple.
//
// Keys: printable characters insert; Enter returns the line; Backspace
// and Delete (or Ctrl-D) erase; Left, Right, Home, End (and Ctrl-B,
// Ctrl-F, Ctrl-A, Ctrl-E) move; Up and Down (Ctrl-P, Ctrl-N) recall
// earlier lines; Ctrl-U and Ctrl-K erase before and after the cursor,
// Ctrl-W the word before it; Ctrl-L clears the screen; Ctrl-C abandons
// the line; Ctrl-D on an empty line ends the input.
package lineedit

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInterrupted is returned by ReadLine when Ctrl-C abandons a line.
var ErrInterrupted = errors.New("interrupted")

const (
	// MaxLine is the most characters a line may have; more are refused
	// with the terminal's bell.
	MaxLine = 4096
	// MaxHistory is the number of lines the history keeps.
	MaxHistory = 500
	// maxEscape bounds the length of an escape sequence that is read
	// whole; longer ones are dropped a byte at a time.
	maxEscape = 16
)

// Keys that are not characters.
const (
	keyNone rune = -1 - iota // an unknown or ignored key
	keyUp
	keyDown
	keyLeft
	keyRight
	keyHome
	keyEnd
	keyDelete
)

// Control characters.
const (
	ctrlA     = 0x01
	ctrlB     = 0x02
	ctrlC     = 0x03
	ctrlD     = 0x04
	ctrlE     = 0x05
	ctrlF     = 0x06
	ctrlH     = 0x08
	ctrlK     = 0x0b
	ctrlL     = 0x0c
	ctrlN     = 0x0e
	ctrlP     = 0x10
	ctrlU     = 0x15
	ctrlW     = 0x17
	backspace = 0x7f
)

// Editor reads lines from a terminal in raw mode.
type Editor struct {
	in     io.Reader
	out    io.Writer
	prompt string
	width  int

	store   [1024]byte
	unread  []byte // input read but not handled yet, in store
	readErr error  // the error that ended the last read
	skipLF  bool   // ignore a "\n" right after the "\r" that ended a line

	line  []rune
	pos   int // cursor position in line
	start int // first character of line on the screen

	history []string
	hpos    int    // line of history shown; len(history) for the new line
	pending []rune // the new line, kept while browsing the history
}

// New returns an Editor that reads keys from in and draws on out, a
// terminal in raw mode 80 columns wide (see SetWidth), with prompt, which
// must be printable ASCII, in front of each line.
func New(in io.Reader, out io.Writer, prompt string) *Editor {
	return &Editor{in: in, out: out, prompt: prompt, width: 80}
}

// SetWidth sets the terminal's width in columns, for the next drawing.
func (e *Editor) SetWidth(width int) {
	if width > 0 {
		e.width = width
	}
}

// ReadLine shows the prompt and returns the line typed, without its end,
// leaving the cursor at the start of the next screen line. It returns the
// line abandoned and ErrInterrupted on Ctrl-C, io.EOF on Ctrl-D on an
// empty line or at the end of the input, or the error that writing or
// reading failed with. A non-blank line that is not the same as the one
// before is added to the history.
func (e *Editor) ReadLine() (string, error) {
	e.line, e.pos, e.start = e.line[:0], 0, 0
	e.hpos, e.pending = len(e.history), nil
	if err := e.draw(); err != nil {
		return "", err
	}
	for {
		key, n, ok := parseKey(e.unread)
		if !ok {
			if err := e.fill(); err != nil {
				return "", err
			}
			continue
		}
		e.unread = e.unread[n:]
		if key == '\n' && e.skipLF {
			e.skipLF = false
			continue
		}
		e.skipLF = key == '\r'
		if line, done, err := e.handle(key); done {
			return line, err
		}
	}
}

// fill reads more input after what is left unread. It returns the error
// of an earlier read once everything before it has been handled.
func (e *Editor) fill() error {
	if e.readErr != nil {
		err := e.readErr
		e.readErr, e.unread = nil, nil // a key cut short by the end is dropped
		if err == io.EOF {
			e.write("\r\n")
		}
		return err
	}
	m := copy(e.store[:], e.unread)
	for tries := 0; ; tries++ {
		n, err := e.in.Read(e.store[m:])
		e.unread = e.store[:m+n]
		if err != nil {
			e.readErr = err
		}
		if n > 0 || err != nil {
			return nil
		}
		if tries == 100 {
			e.readErr = io.ErrNoProgress
			return nil
		}
	}
}

// handle acts on key. It reports done with the line to return and the
// error for ReadLine when the key ends the line.
func (e *Editor) handle(key rune) (line string, done bool, err error) {
	switch key {
	case '\r', '\n':
		line = string(e.line)
		e.addHistory(line)
		return line, true, e.finish("\r\n")
	case ctrlC:
		line = string(e.line)
		if err := e.finish("^C\r\n"); err != nil {
			return line, true, err
		}
		return line, true, ErrInterrupted
	case ctrlD:
		if len(e.line) == 0 {
			if err := e.finish("\r\n"); err != nil {
				return "", true, err
			}
			return "", true, io.EOF
		}
		e.erase(e.pos, e.pos+1)
	case keyDelete:
		e.erase(e.pos, e.pos+1)
	case backspace, ctrlH:
		e.erase(e.pos-1, e.pos)
	case ctrlA, keyHome:
		e.pos = 0
	case ctrlE, keyEnd:
		e.pos = len(e.line)
	case ctrlB, keyLeft:
		e.pos = max(e.pos-1, 0)
	case ctrlF, keyRight:
		e.pos = min(e.pos+1, len(e.line))
	case ctrlP, keyUp:
		e.recall(e.hpos - 1)
	case ctrlN, keyDown:
		e.recall(e.hpos + 1)
	case ctrlU:
		e.erase(0, e.pos)
	case ctrlK:
		e.erase(e.pos, len(e.line))
	case ctrlW:
		i := e.pos
		for i > 0 && e.line[i-1] == ' ' {
			i--
		}
		for i > 0 && e.line[i-1] != ' ' {
			i--
		}
		e.erase(i, e.pos)
	case ctrlL:
		if err := e.write("\x1b[H\x1b[2J"); err != nil {
			return "", true, err
		}
	default:
		if key < ' ' || key == backspace || (0x80 <= key && key < 0xa0) {
			return "", false, nil // other control characters
		}
		if len(e.line) >= MaxLine {
			if err := e.write("\a"); err != nil {
				return "", true, err
			}
			return "", false, nil
		}
		e.line = append(e.line, 0)
		copy(e.line[e.pos+1:], e.line[e.pos:])
		e.line[e.pos] = key
		e.pos++
	}
	if err := e.draw(); err != nil {
		return "", true, err
	}
	return "", false, nil
}

// finish shows the end of the line and writes end after it.
func (e *Editor) finish(end string) error {
	e.pos = len(e.line)
	if err := e.draw(); err != nil {
		return err
	}
	return e.write(end)
}

// erase removes the characters from i to j (exclusive), within bounds,
// and leaves the cursor at i.
func (e *Editor) erase(i, j int) {
	i, j = max(i, 0), min(j, len(e.line))
	if i >= j {
		return
	}
	e.line = append(e.line[:i], e.line[j:]...)
	e.pos = i
}

// recall shows line i of the history, or the new line for i ==
// len(history).
func (e *Editor) recall(i int) {
	if i < 0 || i > len(e.history) || i == e.hpos {
		return
	}
	if e.hpos == len(e.history) {
		e.pending = append(e.pending[:0], e.line...)
	}
	e.hpos = i
	if i == len(e.history) {
		e.line = append(e.line[:0], e.pending...)
	} else {
		e.line = append(e.line[:0], []rune(e.history[i])...)
	}
	e.pos = len(e.line)
}

func (e *Editor) addHistory(line string) {
	if strings.TrimSpace(line) == "" || len(e.history) > 0 && e.history[len(e.history)-1] == line {
		return
	}
	if len(e.history) == MaxHistory {
		e.history = append(e.history[:0], e.history[1:]...)
	}
	e.history = append(e.history, line)
}

// draw redraws the prompt and the part of the line around the cursor that
// fits on the screen, leaving the last column free.
func (e *Editor) draw() error {
	room := max(e.width-len(e.prompt)-1, 1)
	switch {
	case len(e.line) <= room:
		e.start = 0
	case e.pos < e.start:
		e.start = e.pos
	case e.pos > e.start+room:
		e.start = e.pos - room
	}
	end := min(len(e.line), e.start+room)
	b := make([]byte, 0, 16+len(e.prompt)+4*(end-e.start))
	b = append(b, '\r')
	b = append(b, e.prompt...)
	for _, r := range e.line[e.start:end] {
		b = utf8.AppendRune(b, r)
	}
	b = append(b, "\x1b[K\r"...) // erase the rest of the screen line
	if col := len(e.prompt) + e.pos - e.start; col > 0 {
		b = append(b, "\x1b["...)
		b = strconv.AppendInt(b, int64(col), 10)
		b = append(b, 'C')
	}
	_, err := e.out.Write(b)
	return err
}

func (e *Editor) write(s string) error {
	_, err := io.WriteString(e.out, s)
	return err
}

// parseKey returns the key at the start of b and its length in bytes, or
// false when b does not hold a whole key yet.
func parseKey(b []byte) (key rune, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	switch c := b[0]; {
	case c == 0x1b:
		return parseEscape(b)
	case c < utf8.RuneSelf:
		return rune(c), 1, true
	case !utf8.FullRune(b):
		return 0, 0, false
	}
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError && n == 1 {
		return keyNone, 1, true
	}
	return r, n, true
}

// parseEscape parses an escape sequence: ESC [ parameters final (CSI) or
// ESC O final (SS3). A lone Escape is ignored.
func parseEscape(b []byte) (key rune, n int, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	switch b[1] {
	case 'O':
		if len(b) < 3 {
			return 0, 0, false
		}
		return finalKey(b[2]), 3, true
	case '[':
		i := 2
		for i < len(b) && i < maxEscape && 0x20 <= b[i] && b[i] <= 0x3f {
			i++
		}
		switch {
		case i == maxEscape:
			return keyNone, i, true
		case i == len(b):
			return 0, 0, false
		}
		if b[i] != '~' {
			return finalKey(b[i]), i + 1, true
		}
		// ESC [ n ~, perhaps with modifiers: ESC [ n ; m ~.
		param, _, _ := strings.Cut(string(b[2:i]), ";")
		switch param {
		case "1", "7":
			key = keyHome
		case "4", "8":
			key = keyEnd
		case "3":
			key = keyDelete
		default:
			key = keyNone
		}
		return key, i + 1, true
	}
	return keyNone, 1, true
}

// finalKey returns the key of a CSI or SS3 sequence ending in c.
func finalKey(c byte) rune {
	switch c {
	case 'A':
		return keyUp
	case 'B':
		return keyDown
	case 'C':
		return keyRight
	case 'D':
		return keyLeft
	case 'H':
		return keyHome
	case 'F':
		return keyEnd
	}
	return keyNone
}
