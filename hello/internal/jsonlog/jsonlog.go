// Package jsonlog writes log records field by field as lines of JSON, in
// the shape [slog.JSONHandler] writes them:
//
//	{"time":"2026-01-02T03:04:05.123456789Z","level":"INFO","msg":"request","status":200}
//
// It exists for hello's access log, which writes the same few fields for
// every request: the level, message and field names are encoded once, the
// values straight into a pooled buffer, without [slog.Attr] values or
// reflection, and the writer gets each line in a single Write. Measured
// against slog.JSONHandler on the same writer, a request costs about a
// sixth fewer instructions (bench/README.md, "Hand-written replacements,
// measured"). Every other record goes through slog.JSONHandler.
//
// It must not buffer records across calls or decide where they go: each
// record is one Write to the writer it was given (package logsink, in
// hello), which owns what happens when the output stalls.
package jsonlog

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Writer writes records to an io.Writer, one Write per record. It is safe
// for concurrent use: lines never interleave.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Writer writing to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Key is a field name encoded once, as JSON and followed by a colon.
type Key struct{ member string }

// NewKey encodes name for use as an [Entry]'s field name. An empty name
// is written as "" (slog.Handler drops an attribute only when its key and
// value are both empty, which an Entry field's value never is).
func NewKey(name string) Key { return Key{string(appendString(nil, name)) + ":"} }

// Prepared is the start of the records of one level and message, encoded
// once by [Writer.Prepare]. It is safe for concurrent use.
type Prepared struct {
	w *Writer
	// after is what follows the time: `"level":…,"msg":…`.
	after []byte
}

// Prepare returns the start of records of level and msg, for
// [Prepared.Begin].
func (w *Writer) Prepare(level slog.Level, msg string) *Prepared {
	after := append([]byte(`"level":`), appendString(nil, level.String())...)
	after = append(after, `,"msg":`...)
	return &Prepared{w: w, after: appendString(after, msg)}
}

// Entry is one record being written. Start one with [Prepared.Begin], add
// fields in order, and finish it with [Entry.End], after which it must not
// be used. The line is the one slog.JSONHandler writes for a Record of the
// same time, level, message and attributes, made with [slog.String],
// [slog.Int64] and [slog.Duration].
type Entry struct {
	w   *Writer
	bp  *[]byte
	buf []byte
}

// Begin starts a record of time t (none when t is zero, as in slog).
func (p *Prepared) Begin(t time.Time) Entry {
	bp := bufPool.Get().(*[]byte)
	buf := append((*bp)[:0], '{')
	if !t.IsZero() {
		buf = append(buf, `"time":`...)
		buf = appendTime(buf, t)
		buf = append(buf, ',')
	}
	return Entry{w: p.w, bp: bp, buf: append(buf, p.after...)}
}

// String adds a string field, as [slog.String] would.
func (e *Entry) String(key Key, value string) {
	e.buf = append(append(e.buf, ','), key.member...)
	e.buf = appendString(e.buf, value)
}

// Int adds an integer field, as [slog.Int64] would.
func (e *Entry) Int(key Key, value int64) {
	e.buf = append(append(e.buf, ','), key.member...)
	e.buf = strconv.AppendInt(e.buf, value, 10)
}

// Duration adds a duration field in nanoseconds, as [slog.Duration] would.
func (e *Entry) Duration(key Key, value time.Duration) {
	e.Int(key, int64(value))
}

// End writes the record as one line and releases its buffer.
func (e *Entry) End() error {
	buf := append(e.buf, '}', '\n')
	e.w.mu.Lock()
	_, err := e.w.w.Write(buf)
	e.w.mu.Unlock()
	if cap(buf) <= maxPooled {
		*e.bp = buf
		bufPool.Put(e.bp)
	}
	*e = Entry{}
	return err
}

// maxPooled caps the buffers kept for reuse, so one huge record does not
// pin its memory forever.
const maxPooled = 16 << 10

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// appendTime appends t as a quoted RFC 3339 time with nanoseconds.
func appendTime(buf []byte, t time.Time) []byte {
	buf = append(buf, '"')
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"')
}

// appendString appends s as a quoted JSON string. Invalid UTF-8 becomes
// U+FFFD (written as log/slog writes it, see invalidUTF8); control
// characters and U+2028/U+2029 are escaped, as in encoding/json without
// HTML escaping.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	i := 0
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i < len(s) {
		return appendEscaped(buf, s, i)
	}
	buf = append(buf, s...)
	return append(buf, '"')
}

// plain marks the bytes that stand for themselves in a JSON string: ASCII
// from ' ' up, except '"' and '\\'.
var plain = func() (t [256]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendEscaped appends the rest of appendString's work: s, whose first
// i bytes are plain, and the closing quote.
func appendEscaped(buf []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		b := s[i]
		if b < utf8.RuneSelf {
			if plain[b] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = append(buf, invalidUTF8...)
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

const hexDigits = "0123456789abcdef"
