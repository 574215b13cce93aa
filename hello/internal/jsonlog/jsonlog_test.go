package jsonlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"
	"unicode/utf8"
)

func TestSlogConformance(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t,
		func(*testing.T) slog.Handler {
			buf.Reset()
			return New(&buf, slog.LevelInfo)
		},
		func(t *testing.T) map[string]any {
			t.Helper()
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatalf("output %q is not one JSON object: %v", buf.String(), err)
			}
			return m
		})
}

type logValuer struct{ v string }

func (l logValuer) LogValue() slog.Value { return slog.StringValue("resolved " + l.v) }

type marshaler struct{}

func (marshaler) MarshalJSON() ([]byte, error) { return []byte(`{"custom":true}`), nil }

// derivations are the derived handlers the tests compare with
// slog.JSONHandler derived the same way.
var derivations = map[string]func(slog.Handler) slog.Handler{
	"plain":          func(h slog.Handler) slog.Handler { return h },
	"with attrs":     func(h slog.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("svc", "hello")}) },
	"with group":     func(h slog.Handler) slog.Handler { return h.WithGroup("g") },
	"empty attrs":    func(h slog.Handler) slog.Handler { return h.WithAttrs(nil) },
	"group in attrs": func(h slog.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g") },
	"nested": func(h slog.Handler) slog.Handler {
		return h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g").WithAttrs([]slog.Attr{slog.Int("b", 2)}).WithGroup("h")
	},
}

// TestSameBytesAsStdlib checks that, record for record and derived handler
// for derived handler, the output is byte for byte what slog.JSONHandler
// writes.
func TestSameBytesAsStdlib(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	records := map[string][]slog.Attr{
		"no attrs": nil,
		"kinds": {
			slog.String("s", "text"), slog.Int("i", -42), slog.Uint64("u", math.MaxUint64),
			slog.Bool("b", true), slog.Duration("d", 1500*time.Millisecond),
			slog.Time("t", when), slog.Float64("f", 0.1), slog.Float64("big", 1e21),
			slog.Float64("nan", math.NaN()),
		},
		"any": {
			slog.Any("err", errors.New("boom")), slog.Any("nil", nil), slog.Any("slice", []int{1, 2}),
			slog.Any("map", map[string]string{"k": "<v>"}), slog.Any("marshaler", marshaler{}),
			slog.Any("chan", make(chan int)), slog.Any("valuer", logValuer{"x"}),
		},
		"escaping": {
			slog.String("ctl", "a\x00b\x1f\t\n\r\"\\"), slog.String("utf8", "héllo, 世界"),
			slog.String("bad utf8", "a\xffb\xc3"), slog.String("seps", "\u2028\u2029"),
			slog.String("html", "<a&b>"), slog.String("we\"ird key", "v"),
		},
		"groups": {
			slog.Group("req", slog.String("method", "GET"), slog.Int("status", 200)),
			slog.Group("", slog.Int("inlined", 1)),
			slog.Group("empty"),
			slog.Group("nested", slog.Group("deeper", slog.Int("x", 1))),
			{},
		},
		"only empty": {{}, slog.Group("empty")},
	}
	for dname, d := range derivations {
		for rname, attrs := range records {
			t.Run(dname+"/"+rname, func(t *testing.T) {
				var got, want bytes.Buffer
				r := slog.NewRecord(when, slog.LevelWarn+1, "message \"quoted\"", 0)
				r.AddAttrs(attrs...)
				if err := d(New(&got, nil)).Handle(context.Background(), r); err != nil {
					t.Fatal(err)
				}
				if err := d(slog.NewJSONHandler(&want, nil)).Handle(context.Background(), r); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("output differs from slog.JSONHandler\n got: %s\nwant: %s", got.String(), want.String())
				}
				var fast bytes.Buffer
				if err := d(New(&fast, nil)).(*Handler).HandleAttrs(when, slog.LevelWarn+1, "message \"quoted\"", attrs...); err != nil {
					t.Fatal(err)
				}
				if fast.String() != want.String() {
					t.Errorf("HandleAttrs output differs from slog.JSONHandler\n got: %s\nwant: %s", fast.String(), want.String())
				}
			})
		}
	}
}

// TestEntrySameBytesAsStdlib checks that a record written field by field
// is the one slog.JSONHandler writes for the same attributes.
func TestEntrySameBytesAsStdlib(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.FixedZone("", -(7*3600+30*60)))
	type field struct {
		key string
		val any // string, int64 or time.Duration
	}
	records := map[string][]field{
		"no fields": nil,
		"access": {{"method", "GET"}, {"path", "/a\"b"}, {"status", int64(200)},
			{"latency", 1500 * time.Microsecond}, {"bytes_out", int64(-1)},
			{"request_id", "0123456789abcdef-1"}, {"client_ip", "192.0.2.1"}},
		"escaping": {{"ctl\n", "a\x00\xff\u2028"}, {"", ""}, {"é", int64(0)}},
	}
	begins := map[string]func(h *Handler, t time.Time) Entry{
		"Begin":   func(h *Handler, t time.Time) Entry { return h.Begin(t, slog.LevelInfo, "request") },
		"Prepare": func(h *Handler, t time.Time) Entry { return h.Prepare(slog.LevelInfo, "request").Begin(t) },
	}
	for dname, d := range derivations {
		for rname, fields := range records {
			for bname, begin := range begins {
				for _, at := range []time.Time{when, {}} {
					t.Run(dname+"/"+rname+"/"+bname+"/"+at.String(), func(t *testing.T) {
						var got, want bytes.Buffer
						e := begin(d(New(&got, nil)).(*Handler), at)
						r := slog.NewRecord(at, slog.LevelInfo, "request", 0)
						for _, f := range fields {
							switch v := f.val.(type) {
							case string:
								e.String(NewKey(f.key), v)
								r.AddAttrs(slog.String(f.key, v))
							case int64:
								e.Int(NewKey(f.key), v)
								r.AddAttrs(slog.Int64(f.key, v))
							case time.Duration:
								e.Duration(NewKey(f.key), v)
								r.AddAttrs(slog.Duration(f.key, v))
							}
						}
						if err := e.End(); err != nil {
							t.Fatal(err)
						}
						if err := d(slog.NewJSONHandler(&want, nil)).Handle(context.Background(), r); err != nil {
							t.Fatal(err)
						}
						if got.String() != want.String() {
							t.Errorf("Entry output differs from slog.JSONHandler\n got: %s\nwant: %s", got.String(), want.String())
						}
					})
				}
			}
		}
	}
}

// TestEmptyGroups pins the cases where slog.JSONHandler departs from the
// slog.Handler contract ("WithGroup with an empty name returns the
// receiver", "a group with no attributes is omitted"); this handler follows
// the contract.
func TestEmptyGroups(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		derive func(slog.Handler) slog.Handler
		attrs  []slog.Attr
		want   string
	}{
		{"empty group name", func(h slog.Handler) slog.Handler { return h.WithGroup("") },
			[]slog.Attr{slog.Int("a", 1)}, `,"a":1}`},
		{"group with only empty attrs", func(h slog.Handler) slog.Handler {
			return h.WithGroup("g").WithAttrs([]slog.Attr{{}, slog.Group("empty")})
		}, nil, `}`},
		{"pending group gets record attrs", func(h slog.Handler) slog.Handler {
			return h.WithGroup("g").WithAttrs([]slog.Attr{{}})
		}, []slog.Attr{slog.Int("a", 1)}, `,"g":{"a":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := slog.NewRecord(when, slog.LevelInfo, "m", 0)
			r.AddAttrs(tt.attrs...)
			if err := tt.derive(New(&buf, nil)).Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			want := `{"time":"2026-01-02T03:04:05Z","level":"INFO","msg":"m"` + tt.want + "\n"
			if buf.String() != want {
				t.Errorf("got  %s\nwant %s", buf.String(), want)
			}
		})
	}
}

func TestZeroTimeIsOmitted(t *testing.T) {
	var buf bytes.Buffer
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	if err := New(&buf, nil).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if want := `{"level":"INFO","msg":"m"}` + "\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestEnabled(t *testing.T) {
	var level slog.LevelVar
	level.Set(slog.LevelWarn)
	h := New(io.Discard, &level)
	ctx := context.Background()
	if h.Enabled(ctx, slog.LevelInfo) {
		t.Error("Info enabled at level Warn")
	}
	if !h.Enabled(ctx, slog.LevelError) {
		t.Error("Error disabled at level Warn")
	}
	level.Set(slog.LevelDebug)
	if !h.Enabled(ctx, slog.LevelInfo) {
		t.Error("Info disabled after lowering the level to Debug")
	}
	if !New(io.Discard, nil).Enabled(ctx, slog.LevelInfo) || New(io.Discard, nil).Enabled(ctx, slog.LevelDebug) {
		t.Error("nil level does not mean Info")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorIsReturned(t *testing.T) {
	err := New(failingWriter{}, nil).Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Handle() error = %v, want the writer's error", err)
	}
}

// countingWriter records how many Write calls it gets.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// TestConcurrentLinesStayWhole logs from many goroutines through derived
// handlers and checks that each record is one Write of one whole line.
func TestConcurrentLinesStayWhole(t *testing.T) {
	var w countingWriter
	base := New(&w, nil)
	const goroutines, perGoroutine = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		logger := slog.New(base.WithAttrs([]slog.Attr{slog.Int("g", g)}))
		wg.Go(func() {
			for i := range perGoroutine {
				logger.Info("line", "i", i, "pad", strings.Repeat("x", 100*(i%20)))
			}
		})
	}
	wg.Wait()

	if w.writes != goroutines*perGoroutine {
		t.Errorf("%d writes for %d records", w.writes, goroutines*perGoroutine)
	}
	lines := 0
	sc := bufio.NewScanner(&w.Buffer)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %q", lines, err, sc.Text())
		}
		lines++
	}
	if lines != goroutines*perGoroutine {
		t.Errorf("got %d lines, want %d", lines, goroutines*perGoroutine)
	}
}

// FuzzAppendString checks the string encoder against slog.JSONHandler's,
// byte for byte, and against encoding/json's decoding.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\", "\x00\x1f\x7f", "\b\f", "héllo", "\xff\xfe", "\u2028", "<&>", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)

		var std bytes.Buffer
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, s, 0)
		if err := slog.NewJSONHandler(&std, nil).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(strings.TrimPrefix(std.String(), `{"level":"INFO","msg":`), "}\n")
		if string(got) != want {
			t.Fatalf("appendString(%q) = %s, slog.JSONHandler writes %s", s, got, want)
		}

		var decoded, viaJSON string
		if err := json.Unmarshal(got, &decoded); err != nil {
			t.Fatalf("appendString(%q) = %s, not a JSON string: %v", s, got, err)
		}
		b, _ := json.Marshal(s)
		if err := json.Unmarshal(b, &viaJSON); err != nil {
			t.Fatal(err)
		}
		if decoded != viaJSON {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json round-trips to %q", s, decoded, viaJSON)
		}
	})
}

// TestHasSpecial checks the eight-bytes-at-once test byte by byte, for
// every byte at every position among bytes that need no escaping.
func TestHasSpecial(t *testing.T) {
	for _, fill := range []byte{' ', '!', '#', '[', ']', 'a', 0x7f} {
		for pos := range 8 {
			for b := range 256 {
				w := []byte(strings.Repeat(string(fill), 8))
				w[pos] = byte(b)
				want := b < ' ' || b == '"' || b == '\\' || b >= utf8.RuneSelf
				if got := hasSpecial(load64(string(w))); got != want {
					t.Fatalf("hasSpecial(%q) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func BenchmarkHandle(b *testing.B) {
	h := New(io.Discard, nil)
	attrs := []slog.Attr{
		slog.String("method", "GET"), slog.String("path", "/"), slog.Int("status", 200),
		slog.Duration("latency", 12345), slog.Int64("bytes_out", 29),
	}
	for _, tc := range []struct {
		name string
		h    slog.Handler
	}{
		{"jsonlog", h},
		{"stdlib", slog.NewJSONHandler(io.Discard, nil)},
	} {
		b.Run(tc.name+"/Handle", func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				r.AddAttrs(attrs...)
				if err := tc.h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	keys := [...]Key{NewKey("method"), NewKey("path"), NewKey("status"), NewKey("latency"),
		NewKey("bytes_out"), NewKey("request_id"), NewKey("client_ip")}
	p := h.Prepare(slog.LevelInfo, "request")
	b.Run("jsonlog/Entry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := p.Begin(time.Now())
			e.String(keys[0], "GET")
			e.String(keys[1], "/")
			e.Int(keys[2], 200)
			e.Duration(keys[3], 12345)
			e.Int(keys[4], 29)
			e.String(keys[5], "0123456789abcdef-1")
			e.String(keys[6], "192.0.2.1")
			if err := e.End(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonlog/HandleAttrs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := h.HandleAttrs(time.Now(), slog.LevelInfo, "request",
				slog.String("method", "GET"), slog.String("path", "/"), slog.Int("status", 200),
				slog.Duration("latency", 12345), slog.Int64("bytes_out", 29),
				slog.String("request_id", "0123456789abcdef-1"), slog.String("client_ip", "192.0.2.1"))
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ExampleNew() {
	h := New(&stripTime{w: os.Stdout}, nil)
	slog.New(h).Info("request", "method", "GET", "status", 200)
	// Output: {"level":"INFO","msg":"request","method":"GET","status":200}
}

// stripTime drops the "time" member so the example output is stable.
type stripTime struct{ w io.Writer }

func (s *stripTime) Write(p []byte) (int, error) {
	if i := bytes.Index(p, []byte(`"level"`)); bytes.HasPrefix(p, []byte(`{"time":`)) && i > 0 {
		fmt.Fprintf(s.w, "{%s", p[i:])
		return len(p), nil
	}
	return s.w.Write(p)
}

// TestAppendTimeMatchesRFC3339Nano compares the cached formatting with the
// standard library's, across zones, seconds and fractions.
func TestAppendTimeMatchesRFC3339Nano(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+1800), time.FixedZone("west", -7*3600), time.FixedZone("zero", 0)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	}
	base := time.Date(2026, 3, 8, 6, 59, 58, 0, time.UTC) // New York's DST starts at 07:00 UTC
	for _, loc := range zones {
		for _, ns := range []int{0, 1, 10, 123456789, 100000000, 999999999, 500} {
			for step := range 4 {
				tm := base.Add(time.Duration(step) * time.Second).Add(time.Duration(ns)).In(loc)
				want := `"` + tm.Format(time.RFC3339Nano) + `"`
				if got := string(appendTime(nil, tm)); got != want {
					t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
				}
			}
		}
	}
}

func FuzzAppendInt(f *testing.F) {
	for _, v := range []int64{0, 1, 9, 10, 99, 100, 200, 12345, -1, -10, -100, math.MaxInt64, math.MinInt64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		if got, want := string(appendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Fatalf("appendInt(%d) = %s, want %s", v, got, want)
		}
	})
}

func FuzzAppendTime(f *testing.F) {
	f.Add(int64(0), int64(0), 0)
	f.Add(int64(1767225600), int64(123456789), 3600)
	f.Add(int64(-62135596800), int64(1), -3600)
	f.Fuzz(func(t *testing.T, sec, ns int64, offset int) {
		tm := time.Unix(sec, ns).In(time.FixedZone("z", offset%86400))
		want := `"` + tm.Format(time.RFC3339Nano) + `"`
		if got := string(appendTime(nil, tm)); got != want {
			t.Fatalf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	})
}
