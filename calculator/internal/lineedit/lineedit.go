// Package lineedit reads lines from a terminal in raw mode, with a prompt,
// the usual editing keys and a history.
//
// It replaces golang.org/x/term's Terminal, which links package fmt (and
// with it reflect) into the program, about 200 KB that the calculator's
// size budget cannot afford. Lines longer than the terminal's width
// scroll sideways instead of wrapping, so that the drawing stays simple.
// Widths are screen columns: wide (CJK, fullwidth) characters take two,
// combining marks none (package width).
//
// Keys: printable characters insert; Enter returns the line; Backspace
// and Delete (or Ctrl-D) erase; Left, Right, Home, End (and Ctrl-B,
// Ctrl-F, Ctrl-A, Ctrl-E) move; Alt-B and Alt-F (and Ctrl-Left,
// Ctrl-Right) move by word; Up and Down (Ctrl-P, Ctrl-N) recall earlier
// lines; Ctrl-U and Ctrl-K erase before and after the cursor, Ctrl-W the
// word before it; Ctrl-L clears the screen; Ctrl-C abandons the line;
// Ctrl-D on an empty line ends the input. Other Alt keys do nothing.
//
// It must not import fmt, directly or through x/term's Terminal, and must
// not know what the lines mean: it reads and draws them on the reader and
// writer it is given, and the caller puts the terminal in raw mode.
package lineedit

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-multistage/multistage/calculator/internal/width"
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
	keyWordLeft
	keyWordRight
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

// Editor reads lines from a terminal in raw mode. Its methods are not
// safe for concurrent use, except Resize, which may be called while
// ReadLine runs.
type Editor struct {
	in     io.Reader
	out    io.Writer
	prompt string

	mu      sync.Mutex // guards what the drawing uses, for Resize
	width   int
	reading bool // in ReadLine: the line is on the screen

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
	e.mu.Lock()
	defer e.mu.Unlock()
	if width > 0 {
		e.width = width
	}
}

// Width returns the terminal's width the editor last drew for.
func (e *Editor) Width() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.width
}

// Resize sets the terminal's new width and, while ReadLine runs, redraws
// the line at once. It may be called from another goroutine, such as
// one that handles SIGWINCH.
//
// A terminal that rewraps its lines when it gets narrower (tmux, VTE,
// kitty, iTerm2, Windows Terminal) spreads the line drawn for the old
// width over several rows: Resize goes up to the first of them and
// erases them before drawing.
func (e *Editor) Resize(width int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if width <= 0 || width == e.width {
		return nil
	}
	old := e.cursorColumn()
	e.width = width
	if !e.reading {
		return nil
	}
	b := make([]byte, 0, 16)
	if up := old / width; up > 0 {
		b = append(b, "\x1b["...)
		b = strconv.AppendInt(b, int64(up), 10)
		b = append(b, 'A')
	}
	b = append(b, "\r\x1b[J"...) // erase to the end of the screen
	if _, err := e.out.Write(b); err != nil {
		return err
	}
	return e.draw()
}

// cursorColumn returns the screen column the cursor was last drawn at.
func (e *Editor) cursorColumn() int {
	return width.String(e.prompt) + width.Runes(e.line[e.start:e.pos])
}

// ReadLine shows the prompt and returns the line typed, without its end,
// leaving the cursor at the start of the next screen line. It returns the
// line abandoned and ErrInterrupted on Ctrl-C, io.EOF on Ctrl-D on an
// empty line or at the end of the input, or the error that writing or
// reading failed with. A non-blank line that is not the same as the one
// before is added to the history.
func (e *Editor) ReadLine() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.line, e.pos, e.start = e.line[:0], 0, 0
	e.hpos, e.pending = len(e.history), nil
	if err := e.draw(); err != nil {
		return "", err
	}
	e.reading = true
	defer func() { e.reading = false }()
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
		if errors.Is(err, io.EOF) {
			_ = e.write("\r\n") // the end of input is the error that matters
		}
		return err
	}
	m := copy(e.store[:], e.unread)
	e.mu.Unlock() // let Resize redraw while waiting for keys
	defer e.mu.Lock()
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
		if err := e.finish("^C\r\n"); err != nil { // on the line's row
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
	case keyWordLeft:
		for e.pos > 0 && !isWord(e.line[e.pos-1]) {
			e.pos--
		}
		for e.pos > 0 && isWord(e.line[e.pos-1]) {
			e.pos--
		}
	case keyWordRight:
		for e.pos < len(e.line) && !isWord(e.line[e.pos]) {
			e.pos++
		}
		for e.pos < len(e.line) && isWord(e.line[e.pos]) {
			e.pos++
		}
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

// finish shows the end of the line and writes end after it, on the same
// screen row: end's visible characters are ASCII, and one fits in the
// column kept free at the end.
func (e *Editor) finish(end string) error {
	e.pos = len(e.line)
	visible := strings.TrimRight(end, "\r\n")
	if err := e.drawWithin(max(len(visible)-1, 0)); err != nil {
		return err
	}
	return e.write(end)
}

// isWord reports whether r belongs to a word for Alt-B and Alt-F: the
// letters, digits, "." and "_" of numbers and names.
func isWord(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '.' || r == '_' || r >= utf8.RuneSelf && width.Rune(r) > 0
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

// addHistory adds a non-blank line to the history, as its newest line:
// an earlier copy is dropped, so the history holds distinct lines.
func (e *Editor) addHistory(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	for i, h := range e.history {
		if h == line {
			e.history = append(e.history[:i], e.history[i+1:]...)
			break
		}
	}
	if len(e.history) == MaxHistory {
		e.history = append(e.history[:0], e.history[1:]...)
	}
	e.history = append(e.history, line)
}

// draw redraws the prompt and the part of the line around the cursor that
// fits on the screen, leaving the last column free.
func (e *Editor) draw() error { return e.drawWithin(0) }

// drawWithin draws as draw does, keeping reserve more columns free after
// the cursor when it is at the end of the line.
func (e *Editor) drawWithin(reserve int) error {
	promptWidth := width.String(e.prompt)
	room := max(e.width-promptWidth-1-reserve, 1)
	// The first character shown: 0 when the whole line fits, else one
	// that keeps the cursor on the screen and moves as little as it can.
	switch {
	case width.Runes(e.line) <= room:
		e.start = 0
	case e.pos < e.start:
		e.start = e.pos
	}
	for w := width.Runes(e.line[e.start:e.pos]); e.start < e.pos && w > room; e.start++ {
		w -= width.Rune(e.line[e.start])
	}
	end, used := e.start, 0
	for end < len(e.line) && used+width.Rune(e.line[end]) <= room {
		used += width.Rune(e.line[end])
		end++
	}
	b := make([]byte, 0, 16+len(e.prompt)+4*(end-e.start))
	b = append(b, '\r')
	b = append(b, e.prompt...)
	for _, r := range e.line[e.start:end] {
		b = utf8.AppendRune(b, r)
	}
	b = append(b, "\x1b[K\r"...) // erase the rest of the screen line
	if col := e.cursorColumn(); col > 0 {
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
			key = finalKey(b[i])
			// Ctrl or Alt with Left or Right (ESC [ 1 ; 5 D): by word.
			if mod := string(b[2:i]); mod == "1;5" || mod == "1;3" {
				switch key {
				case keyLeft:
					key = keyWordLeft
				case keyRight:
					key = keyWordRight
				}
			}
			return key, i + 1, true
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
	case 'b', 'B':
		return keyWordLeft, 2, true // Alt-B
	case 'f', 'F':
		return keyWordRight, 2, true // Alt-F
	}
	if ' ' <= b[1] && b[1] < 0x7f {
		return keyNone, 2, true // another Alt key: nothing
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
