// Package jsonlog provides a [slog.Handler] that writes each record as one
// line of JSON, in the shape [slog.JSONHandler] writes:
//
//	{"time":"2026-01-02T03:04:05.123456789Z","level":"INFO","msg":"request","status":200}
//
// It exists because an access log writes a line per request: this handler
// encodes straight into a pooled buffer without reflection and hands the
// writer each line in a single Write, so logging stays a small part of the
// cost of serving a request. Values of kind [slog.KindAny] (other than
// errors) and floats go through encoding/json, as in the standard handler.
//
// It must not buffer records across calls or decide where they go: each
// record is one Write to the writer it was given (package logsink, in
// hello), which owns what happens when the output stalls.
package jsonlog

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Handler is a [slog.Handler] writing JSON lines. It is safe for concurrent
// use; handlers derived with WithAttrs and WithGroup share the writer and
// never interleave their lines.
type Handler struct {
	out   *output
	level slog.Leveler

	// pre holds the attributes added by WithAttrs, already encoded, inside
	// the first opened groups, without the closing braces.
	pre []byte
	// groups are the names given to WithGroup; the first opened of them
	// have been written into pre.
	groups []string
	opened int
}

type output struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Handler writing to w records at level or above
// (nil means [slog.LevelInfo]).
func New(w io.Writer, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{out: &output{w: w}, level: level}
}

// Enabled reports whether records at level are written.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// WithAttrs returns a Handler whose records all carry attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	pre := append([]byte(nil), h.pre...)
	for _, g := range h.groups[h.opened:] {
		pre = appendKey(pre, g)
		pre = append(pre, '{')
	}
	start := len(pre)
	for _, a := range attrs {
		pre = appendAttr(pre, a)
	}
	if len(pre) == start {
		return h // nothing but empty attributes: keep pending groups pending
	}
	h2 := *h
	h2.pre = pre
	h2.opened = len(h.groups)
	return &h2
}

// WithGroup returns a Handler that nests the attributes added later, by
// WithAttrs or in records, under name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(h.groups[:len(h.groups):len(h.groups)], name)
	return &h2
}

// Handle writes r as one line.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	bp, buf := h.begin(r.Time, r.Level, r.Message)
	closing := h.opened
	if r.NumAttrs() > 0 {
		var mark, start int
		buf, mark, start = h.openGroups(buf)
		r.Attrs(func(a slog.Attr) bool {
			buf = appendAttr(buf, a)
			return true
		})
		buf, closing = h.closeGroups(buf, mark, start)
	}
	return h.end(bp, buf, closing)
}

// HandleAttrs writes the record that Handle would write for a Record
// made of t, level, msg and attrs. It saves building the Record, whose
// attributes past the fifth take an allocation. Unlike slog.Logger, it
// does not check Enabled.
func (h *Handler) HandleAttrs(t time.Time, level slog.Level, msg string, attrs ...slog.Attr) error {
	bp, buf := h.begin(t, level, msg)
	closing := h.opened
	if len(attrs) > 0 {
		var mark, start int
		buf, mark, start = h.openGroups(buf)
		for _, a := range attrs {
			buf = appendAttr(buf, a)
		}
		buf, closing = h.closeGroups(buf, mark, start)
	}
	return h.end(bp, buf, closing)
}

// Entry is a record written field by field, for hot paths such as an
// access log that write the same few fields for every request: it saves
// building [slog.Attr] values and resolving them, and with [Key] and
// [Prepared] it encodes the field names, level and message once instead of
// per record. Start one with [Handler.Begin] or [Prepared.Begin], add fields
// in order, and finish it with [Entry.End], after which it must not be
// used. The line is the one Handle would write for a Record of the same
// time, level, message and attributes, written with [slog.String],
// [slog.Int64] and [slog.Duration].
type Entry struct {
	h           *Handler
	bp          *[]byte
	buf         []byte
	mark, start int
}

// Key is a field name encoded once, as JSON and followed by a colon.
type Key struct{ member string }

// NewKey encodes name for use as an [Entry]'s field name. An empty name
// is written as "" (slog.Handler drops an attribute only when its key and
// value are both empty, which an Entry field's value never is).
func NewKey(name string) Key { return Key{string(appendString(nil, name)) + ":"} }

// Begin starts a record of t, level and msg. Unlike slog.Logger, it does
// not check Enabled. [Handler.Prepare] does the work that depends only on
// level and msg once.
func (h *Handler) Begin(t time.Time, level slog.Level, msg string) Entry {
	bp, buf := h.begin(t, level, msg)
	buf, mark, start := h.openGroups(buf)
	return Entry{h: h, bp: bp, buf: buf, mark: mark, start: start}
}

// Prepared is the start of a record of a given level and message, encoded
// once by [Handler.Prepare]: level, message, the handler's attributes and
// its open groups. It is safe for concurrent use.
type Prepared struct {
	h *Handler
	// after is what follows the time: `"level":…,"msg":…`, the handler's
	// attributes and the groups that open with the record's first field.
	after []byte
	// groups is the length of those opening groups at the end of after.
	groups int
}

// Prepare returns the start of records of level and msg, for
// [Prepared.Begin].
func (h *Handler) Prepare(level slog.Level, msg string) *Prepared {
	bp, buf := h.begin(time.Time{}, level, msg)
	buf, mark, start := h.openGroups(buf)
	p := &Prepared{h: h, after: bytes.Clone(buf[1:]), groups: start - mark}
	*bp = buf
	bufPool.Put(bp)
	return p
}

// Begin starts a record of time t, as p's handler's Begin would with p's
// level and message. Unlike slog.Logger, it does not check Enabled.
func (p *Prepared) Begin(t time.Time) Entry {
	bp, buf := openRecord(t)
	buf = append(buf, p.after...)
	return Entry{h: p.h, bp: bp, buf: buf, mark: len(buf) - p.groups, start: len(buf)}
}

// String adds a string field, as [slog.String] would.
func (e *Entry) String(key Key, value string) {
	e.key(key)
	e.buf = appendString(e.buf, value)
}

// Int adds an integer field, as [slog.Int64] would.
func (e *Entry) Int(key Key, value int64) {
	e.key(key)
	e.buf = appendInt(e.buf, value)
}

// Duration adds a duration field in nanoseconds, as [slog.Duration] would.
func (e *Entry) Duration(key Key, value time.Duration) {
	e.Int(key, int64(value))
}

// key appends key, after a comma unless it opens an object.
func (e *Entry) key(key Key) {
	if e.buf[len(e.buf)-1] != '{' {
		e.buf = append(e.buf, ',')
	}
	e.buf = append(e.buf, key.member...)
}

// End writes the record as one line and releases its buffer.
func (e *Entry) End() error {
	buf, closing := e.h.closeGroups(e.buf, e.mark, e.start)
	err := e.h.end(e.bp, buf, closing)
	*e = Entry{}
	return err
}

// begin takes a buffer from the pool and writes the record's time, level,
// message and the handler's own attributes.
func (h *Handler) begin(t time.Time, level slog.Level, msg string) (*[]byte, []byte) {
	bp, buf := openRecord(t)
	buf = append(buf, `"level":`...)
	buf = appendString(buf, level.String())
	buf = append(buf, `,"msg":`...)
	buf = appendString(buf, msg)
	if len(h.pre) > 0 {
		buf = append(buf, ',')
		buf = append(buf, h.pre...)
	}
	return bp, buf
}

// openRecord takes a buffer from the pool and opens a record with its time,
// unless t is zero.
func openRecord(t time.Time) (*[]byte, []byte) {
	bp := bufPool.Get().(*[]byte)
	buf := append((*bp)[:0], '{')
	if !t.IsZero() {
		buf = append(buf, `"time":`...)
		buf = appendTime(buf, t)
		buf = append(buf, ',')
	}
	return bp, buf
}

// openGroups opens the groups that no attribute has opened yet. It
// returns where they start and where the attributes will start.
func (h *Handler) openGroups(buf []byte) (out []byte, mark, start int) {
	mark = len(buf)
	for _, g := range h.groups[h.opened:] {
		buf = appendKey(buf, g)
		buf = append(buf, '{')
	}
	return buf, mark, len(buf)
}

// closeGroups drops the groups openGroups opened if no attribute followed,
// and returns how many groups the record must close.
func (h *Handler) closeGroups(buf []byte, mark, start int) ([]byte, int) {
	if len(buf) == start {
		return buf[:mark], h.opened // only empty attributes: no group
	}
	return buf, len(h.groups)
}

// end closes the record, writes it in one Write and recycles the buffer.
func (h *Handler) end(bp *[]byte, buf []byte, closing int) error {
	for range closing {
		buf = append(buf, '}')
	}
	buf = append(buf, '}', '\n')

	h.out.mu.Lock()
	_, err := h.out.w.Write(buf)
	h.out.mu.Unlock()

	if cap(buf) <= maxPooled {
		*bp = buf
		bufPool.Put(bp)
	}
	return err
}

// maxPooled caps the buffers kept for reuse, so one huge record does not
// pin its memory forever.
const maxPooled = 16 << 10

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// appendKey appends `"key":`, preceded by a comma unless it opens an object.
func appendKey(buf []byte, key string) []byte {
	if n := len(buf); n > 0 && buf[n-1] != '{' {
		buf = append(buf, ',')
	}
	buf = appendString(buf, key)
	return append(buf, ':')
}

// appendAttr appends a as a JSON member, following the rules of
// [slog.Handler]: resolve LogValuers, skip empty attributes and empty
// groups, inline groups with an empty key.
func appendAttr(buf []byte, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return buf
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return buf
		}
		if a.Key == "" {
			for _, ga := range attrs {
				buf = appendAttr(buf, ga)
			}
			return buf
		}
		mark := len(buf)
		buf = appendKey(buf, a.Key)
		buf = append(buf, '{')
		start := len(buf)
		for _, ga := range attrs {
			buf = appendAttr(buf, ga)
		}
		if len(buf) == start {
			return buf[:mark]
		}
		return append(buf, '}')
	}
	buf = appendKey(buf, a.Key)
	return appendValue(buf, a.Value)
}

// appendValue appends v as JSON, as [slog.JSONHandler] would.
func appendValue(buf []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(buf, v.String())
	case slog.KindInt64:
		return appendInt(buf, v.Int64())
	case slog.KindUint64:
		return strconv.AppendUint(buf, v.Uint64(), 10)
	case slog.KindBool:
		return strconv.AppendBool(buf, v.Bool())
	case slog.KindDuration:
		return appendInt(buf, int64(v.Duration()))
	case slog.KindTime:
		return appendTime(buf, v.Time())
	case slog.KindFloat64:
		return appendMarshal(buf, v.Float64())
	default: // slog.KindAny (groups and LogValuers are handled before)
		a := v.Any()
		if err, ok := a.(error); ok {
			if _, isMarshaler := a.(json.Marshaler); !isMarshaler {
				return appendString(buf, err.Error())
			}
		}
		return appendMarshal(buf, a)
	}
}

// appendMarshal appends the encoding/json form of v, or a string starting
// with "!ERROR:" when v has none (NaN, channels, ...).
func appendMarshal(buf []byte, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return appendString(buf, "!ERROR:"+err.Error())
	}
	return append(buf, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}

// appendTime appends t as a quoted RFC 3339 time with nanoseconds, as
// t.AppendFormat(buf, time.RFC3339Nano) would. Formatting the date, time
// and zone is most of the cost of a log line's time, and consecutive
// records share them: they are kept for the last second seen.
func appendTime(buf []byte, t time.Time) []byte {
	sec := t.Unix()
	c := lastSecond.Load()
	if c == nil || c.sec != sec || c.loc != t.Location() {
		c = &second{sec: sec, loc: t.Location()}
		c.date = t.AppendFormat([]byte{'"'}, "2006-01-02T15:04:05")
		c.zone = append(t.AppendFormat(nil, "Z07:00"), '"')
		lastSecond.Store(c)
	}
	buf = append(buf, c.date...)
	buf = appendFraction(buf, t.Nanosecond())
	return append(buf, c.zone...)
}

// second is the formatted date, time of day and zone of one second, with
// the quotes around them.
type second struct {
	sec        int64
	loc        *time.Location
	date, zone []byte
}

var lastSecond atomic.Pointer[second]

// appendFraction appends ".nnnnnnnnn" without trailing zeros, or nothing
// for 0: the ".999999999" of time.RFC3339Nano.
func appendFraction(buf []byte, ns int) []byte {
	if ns == 0 {
		return buf
	}
	var d [10]byte
	d[0] = '.'
	u := uint(ns)
	for i := 8; i >= 2; i -= 2 { // two digits at a time: d[8:10], …, d[2:4]
		r := u % 100
		u /= 100
		d[i], d[i+1] = digitPairs[2*r], digitPairs[2*r+1]
	}
	d[1] = byte('0' + u)
	n := len(d)
	for d[n-1] == '0' {
		n--
	}
	return append(buf, d[:n]...)
}

// appendInt appends v in decimal, as strconv.AppendInt(buf, v, 10) does,
// two digits at a time and without strconv's general bases: an access
// line has three numbers.
func appendInt(buf []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		buf = append(buf, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	var d [20]byte
	i := len(d)
	for u >= 100 {
		r := u % 100
		u /= 100
		i -= 2
		d[i], d[i+1] = digitPairs[2*r], digitPairs[2*r+1]
	}
	if u >= 10 {
		i -= 2
		d[i], d[i+1] = digitPairs[2*u], digitPairs[2*u+1]
	} else {
		i--
		d[i] = byte('0' + u)
	}
	return append(buf, d[i:]...)
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendString appends s as a quoted JSON string. Invalid UTF-8 becomes
// U+FFFD (written as log/slog writes it, see invalidUTF8); control characters and U+2028/U+2029 are escaped, as in
// encoding/json without HTML escaping.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	i := 0
	for i+8 <= len(s) && !hasSpecial(load64(s[i:])) {
		i += 8 // eight plain bytes at once
	}
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

// Byte masks for testing eight bytes at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasSpecial reports whether any byte of x needs a closer look: below
// ' ', '"', '\\', or not ASCII.
func hasSpecial(x uint64) bool {
	below := func(x uint64, n byte) uint64 { return (x - ones*uint64(n)) &^ x & highs } // any byte < n
	return (below(x, ' ') | below(x^(ones*'"'), 1) | below(x^(ones*'\\'), 1) | x&highs) != 0
}

// load64 returns the first eight bytes of s, little-endian.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
