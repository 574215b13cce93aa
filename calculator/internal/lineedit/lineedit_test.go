package lineedit

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-multistage/multistage/calculator/internal/testonly/syncbuf"
)

// result is what one ReadLine returned.
type result struct {
	line string
	err  error
}

// readAll calls ReadLine until it fails with something other than
// ErrInterrupted, and returns what each call returned.
func readAll(t *testing.T, e *Editor) []result {
	t.Helper()
	var rs []result
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("ReadLine does not stop")
		}
		line, err := e.ReadLine()
		rs = append(rs, result{line, err})
		if err != nil && !errors.Is(err, ErrInterrupted) {
			return rs
		}
	}
}

const (
	left  = "\x1b[D"
	right = "\x1b[C"
	up    = "\x1b[A"
	down  = "\x1b[B"
	home  = "\x1b[H"
	end   = "\x1b[F"
	del   = "\x1b[3~"
)

func TestReadLine(t *testing.T) {
	eof := result{"", io.EOF}
	tests := []struct {
		name string
		keys string
		want []result
	}{
		{"lines", "1 + 2\r3\r", []result{{"1 + 2", nil}, {"3", nil}, eof}},
		{"newline or CRLF", "1\n2\r\n3\r\r", []result{{"1", nil}, {"2", nil}, {"3", nil}, {"", nil}, eof}},
		{"Ctrl-D on an empty line", "\x04more\r", []result{eof}},
		{"Ctrl-D deletes under the cursor", "12\x01\x04\r", []result{{"2", nil}, eof}},
		{"Ctrl-C", "12\x03" + "3\r", []result{{"12", ErrInterrupted}, {"3", nil}, eof}},
		{"backspace", "12\x7f3\x083\r", []result{{"13", nil}, eof}},
		{"backspace at the start", "\x7f1\r", []result{{"1", nil}, eof}},
		{"left and insert", "13" + left + "2\r", []result{{"123", nil}, eof}},
		{"home and end", "2" + home + "1" + end + "3\r", []result{{"123", nil}, eof}},
		{"Ctrl-A Ctrl-E Ctrl-B Ctrl-F", "bd\x01a\x05e\x02\x02c\x06\x06\x06f\r", []result{{"abcdef", nil}, eof}},
		{"other home and end keys", "b\x1bOHa\x1b[4~c\x1b[1~\x1b[8~d\x1b[7~_\r", []result{{"_abcd", nil}, eof}},
		{"delete", "123" + home + del + right + del + "\r", []result{{"2", nil}, eof}},
		{"moving past the ends", left + "1" + right + right + "2\r", []result{{"12", nil}, eof}},
		{"Ctrl-U", "12" + left + "\x153\r", []result{{"32", nil}, eof}},
		{"Ctrl-K", "12" + left + "\x0b3\r", []result{{"13", nil}, eof}},
		{"Ctrl-W", "1 + 22  \x17\x17\r", []result{{"1 ", nil}, eof}},
		{"history", "1\r2\r" + up + up + up + "\r", []result{{"1", nil}, {"2", nil}, {"1", nil}, eof}},
		{"history and back", "1\r2\r3" + up + up + down + down + "4\r", []result{{"1", nil}, {"2", nil}, {"34", nil}, eof}},
		{"history with Ctrl-P and Ctrl-N", "1\r2\r\x10\x10\x0e\r", []result{{"1", nil}, {"2", nil}, {"2", nil}, eof}},
		{"history skips blanks and repeats", "1\r \r1\r" + up + up + "\r", []result{{"1", nil}, {" ", nil}, {"1", nil}, {"1", nil}, eof}},
		{"history keeps distinct lines", "1\r2\r1\r" + up + up + up + "\r", []result{{"1", nil}, {"2", nil}, {"1", nil}, {"2", nil}, eof}},
		{"Alt-B and Alt-F", "12 + 345" + "\x1bb\x1bbx\x1bf\x1bfy\r", []result{{"x12 + 345y", nil}, eof}},
		{"Alt-B and Alt-F over symbols", "(1.5 * ans)" + home + "\x1bfa\x1bfb" + end + "\x1bBc\r", []result{{"(1.5a * cansb)", nil}, eof}},
		{"Ctrl-Left and Ctrl-Right", "1 + 2" + "\x1b[1;5D\x1b[1;5Dx\x1b[1;5Cy\r", []result{{"x1y + 2", nil}, eof}},
		{"other Alt keys do nothing", "1\x1bx\x1b.2\r", []result{{"12", nil}, eof}},
		{"edited history does not change it", "12\r" + up + "\x7f\r" + up + up + "\r",
			[]result{{"12", nil}, {"1", nil}, {"12", nil}, eof}},
		{"UTF-8", "é×\r", []result{{"é×", nil}, eof}},
		{"invalid UTF-8 and controls ignored", "1\xff\x00\x07\t\x1b[99X\x1b[5~\x1bx2\r", []result{{"12", nil}, eof}},
		{"Ctrl-L", "1\x0c2\r", []result{{"12", nil}, eof}},
		{"end in a line", "12", []result{eof}},
		{"end in an escape", "1\r\x1b[", []result{{"1", nil}, eof}},
		{"overlong escape", "\x1b[" + strings.Repeat("1", 40) + "A2\r", []result{{strings.Repeat("1", 40-maxEscape+2) + "A2", nil}, eof}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range []io.Reader{strings.NewReader(tt.keys), iotest.OneByteReader(strings.NewReader(tt.keys))} {
				got := readAll(t, New(in, io.Discard, "> "))
				if !equal(got, tt.want) {
					t.Errorf("keys %q: got %v, want %v", tt.keys, got, tt.want)
				}
			}
		})
	}
}

func equal(a, b []result) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].line != b[i].line || !errors.Is(a[i].err, b[i].err) {
			return false
		}
	}
	return true
}

func TestMaxLine(t *testing.T) {
	var out bytes.Buffer
	e := New(strings.NewReader(strings.Repeat("1", MaxLine+10)+"\r"), &out, "> ")
	line, err := e.ReadLine()
	if len(line) != MaxLine || err != nil {
		t.Errorf("got a line of %d characters, %v; want %d", len(line), err, MaxLine)
	}
	if n := strings.Count(out.String(), "\a"); n != 10 {
		t.Errorf("rang the bell %d times, want 10", n)
	}
}

func TestMaxHistory(t *testing.T) {
	var keys strings.Builder
	for i := range MaxHistory + 5 {
		keys.WriteString(strings.Repeat("x", i+1) + "\r")
	}
	keys.WriteString(strings.Repeat(up, MaxHistory+5) + "\r")
	rs := readAll(t, New(strings.NewReader(keys.String()), io.Discard, "> "))
	if got := rs[MaxHistory+5].line; got != strings.Repeat("x", 6) {
		t.Errorf("oldest line kept has %d characters, want 6", len(got))
	}
}

// TestDraw checks what is drawn: the prompt and line, erased to the end,
// and the cursor put back in place; a long line scrolls sideways.
func TestDraw(t *testing.T) {
	var out bytes.Buffer
	e := New(strings.NewReader("ab"+left+"\r"), &out, "> ")
	_, _ = e.ReadLine()
	want := "\r> \x1b[K\r\x1b[2C" + // the prompt
		"\r> a\x1b[K\r\x1b[3C" + "\r> ab\x1b[K\r\x1b[4C" + "\r> ab\x1b[K\r\x1b[3C" + // a, b, left
		"\r> ab\x1b[K\r\x1b[4C\r\n" // Enter
	if out.String() != want {
		t.Errorf("drew %q\nwant %q", out.String(), want)
	}

	out.Reset()
	e = New(strings.NewReader("abcdefgh"+home+"\r"), &out, "> ")
	e.SetWidth(7) // room for 4 characters
	_, _ = e.ReadLine()
	for _, want := range []string{"\r> abcd\x1b[K\r\x1b[6C", "\r> efgh\x1b[K\r\x1b[6C", "\r> abcd\x1b[K\r\x1b[2C"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("drew %q\nno %q", out.String(), want)
		}
	}
}

func TestWriteError(t *testing.T) {
	boom := errors.New("boom")
	_, err := New(strings.NewReader("1\r"), failingWriter{boom}, "> ").ReadLine()
	if !errors.Is(err, boom) {
		t.Errorf("ReadLine: %v, want %v", err, boom)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	e := New(io.MultiReader(strings.NewReader("1\r2"), iotest.ErrReader(boom)), io.Discard, "> ")
	if line, err := e.ReadLine(); line != "1" || err != nil {
		t.Errorf("first ReadLine: %q, %v", line, err)
	}
	if _, err := e.ReadLine(); !errors.Is(err, boom) {
		t.Errorf("second ReadLine: %v, want %v", err, boom)
	}
}

// TestNoProgress checks that a reader that returns nothing forever ends
// the input instead of being read forever.
func TestNoProgress(t *testing.T) {
	_, err := New(emptyReader{}, io.Discard, "> ").ReadLine()
	if !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("ReadLine: %v, want io.ErrNoProgress", err)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestParseKey(t *testing.T) {
	tests := []struct {
		in  string
		key rune
		n   int
		ok  bool
	}{
		{"", 0, 0, false},
		{"a", 'a', 1, true},
		{"é", 'é', 2, true},
		{"\xc3", 0, 0, false},
		{"\xff", keyNone, 1, true},
		{"\x1b", 0, 0, false},
		{"\x1b[", 0, 0, false},
		{"\x1b[1;5", 0, 0, false},
		{"\x1b[1;5C", keyWordRight, 6, true},
		{"\x1b[1;3D", keyWordLeft, 6, true},
		{"\x1b[1;2C", keyRight, 6, true},
		{"\x1bb", keyWordLeft, 2, true},
		{"\x1bF", keyWordRight, 2, true},
		{"\x1b\x7f", keyNone, 1, true},
		{"\x1b[A", keyUp, 3, true},
		{"\x1bOB", keyDown, 3, true},
		{"\x1bO", 0, 0, false},
		{"\x1b[3~x", keyDelete, 4, true},
		{"\x1b[3;2~", keyDelete, 6, true},
		{"\x1b[200~", keyNone, 6, true},
		{"\x1bx", keyNone, 2, true},
	}
	for _, tt := range tests {
		key, n, ok := parseKey([]byte(tt.in))
		if key != tt.key || n != tt.n || ok != tt.ok {
			t.Errorf("parseKey(%q) = %d, %d, %v; want %d, %d, %v", tt.in, key, n, ok, tt.key, tt.n, tt.ok)
		}
	}
}

// FuzzEditor feeds any input to the editor: it must not panic, must end,
// and must keep every line within MaxLine.
//
//	go test ./internal/lineedit -run '^$' -fuzz FuzzEditor -fuzztime 10s
func FuzzEditor(f *testing.F) {
	f.Add([]byte("1 + 2\r" + up + "\x03\x7f\x1b[3~\x04"))
	f.Add([]byte("\x1b[1;5C\x1bOH\x1b\xc3\xa9\r\n\x17\x15\x0b"))
	f.Add([]byte("中文１e\u0301\x1bb\x1bf\x1b[1;5D\x03\r"))
	f.Fuzz(func(t *testing.T, keys []byte) {
		e := New(bytes.NewReader(keys), io.Discard, "> ")
		e.SetWidth(len(keys)%20 + 1)
		for i := 0; ; i++ {
			line, err := e.ReadLine()
			if len([]rune(line)) > MaxLine {
				t.Fatalf("line of %d characters", len([]rune(line)))
			}
			if err != nil && !errors.Is(err, ErrInterrupted) {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("ReadLine: %v", err)
				}
				return
			}
			if i > len(keys) {
				t.Fatal("more lines than keys")
			}
		}
	})
}

// TestDrawWide checks that wide characters count two columns when a line
// scrolls, and combining marks none.
func TestDrawWide(t *testing.T) {
	var out bytes.Buffer
	e := New(strings.NewReader("中文中文"+home+"\r"), &out, "> ")
	e.SetWidth(10) // room for 7 columns
	_, _ = e.ReadLine()
	for _, want := range []string{
		"\r> 中文中\x1b[K\r\x1b[8C",     // three typed: 6 columns
		"\r> 文中文\x1b[K\r\x1b[8C",     // the fourth scrolls the first away
		"\r> 中文中\x1b[K\r\x1b[2C",     // Home
		"\r> 文中文\x1b[K\r\x1b[8C\r\n", // Enter shows the end
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("drew %q\nno %q", out.String(), want)
		}
	}
	out.Reset()
	e = New(strings.NewReader("e\u0301e\u0301\r"), &out, "> ")
	_, _ = e.ReadLine()
	if want := "\r> e\u0301e\u0301\x1b[K\r\x1b[4C\r\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("drew %q\nwant it to end in %q", out.String(), want)
	}
}

// TestInterruptOneRow checks that "^C" fits on the row of a line that
// scrolled sideways, so that it is not split over two rows.
func TestInterruptOneRow(t *testing.T) {
	var out bytes.Buffer
	e := New(strings.NewReader("abcdefgh\x03"), &out, "> ")
	e.SetWidth(7) // room for 4 characters, 3 with "^C"
	if _, err := e.ReadLine(); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("ReadLine: %v, want ErrInterrupted", err)
	}
	if want := "\r> fgh\x1b[K\r\x1b[5C^C\r\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("drew %q\nwant it to end in %q", out.String(), want)
	}
}

// TestResize checks that Resize redraws the line being read at once, for
// the new width, after erasing the rows a narrower terminal wrapped it on.
func TestResize(t *testing.T) {
	in, keys := io.Pipe()
	out := &syncbuf.Buffer{}
	e := New(in, out, "> ")
	type res struct {
		line string
		err  error
	}
	done := make(chan res)
	go func() {
		line, err := e.ReadLine()
		done <- res{line, err}
	}()
	keys.Write([]byte("abcdefgh"))
	out.WaitFor(t, "\r> abcdefgh\x1b[K\r\x1b[10C")
	if err := e.Resize(6); err != nil { // room for 3 characters
		t.Fatal(err)
	}
	out.WaitFor(t, "\x1b[1A\r\x1b[J\r> fgh\x1b[K\r\x1b[5C")
	if err := e.Resize(80); err != nil {
		t.Fatal(err)
	}
	out.WaitFor(t, "\r\x1b[J\r> abcdefgh\x1b[K\r\x1b[10C")
	keys.Write([]byte("\r"))
	if r := <-done; r.line != "abcdefgh" || r.err != nil {
		t.Errorf("ReadLine: %q, %v", r.line, r.err)
	}
	// Between lines, Resize only sets the width.
	out.Reset()
	if err := e.Resize(7); err != nil || out.String() != "" {
		t.Errorf("Resize between lines: %v, drew %q", err, out.String())
	}
}
