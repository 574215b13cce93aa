package jsonlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEntrySameBytesAsStdlib checks that a record written field by field
// is the one slog.JSONHandler writes for the same attributes, with and
// without a time.
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
	levels := []slog.Level{slog.LevelInfo, slog.LevelWarn}
	for rname, fields := range records {
		for _, level := range levels {
			for _, at := range []time.Time{when, {}} {
				t.Run(rname+"/"+level.String()+"/"+at.String(), func(t *testing.T) {
					var got, want bytes.Buffer
					e := New(&got).Prepare(level, "request \"quoted\"").Begin(at)
					r := slog.NewRecord(at, level, "request \"quoted\"", 0)
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
					if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), r); err != nil {
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

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorIsReturned(t *testing.T) {
	e := New(failingWriter{}).Prepare(slog.LevelInfo, "m").Begin(time.Now())
	if err := e.End(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("End() error = %v, want the writer's error", err)
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

// TestConcurrentLinesStayWhole writes from many goroutines and checks
// that each record is one Write of one whole line.
func TestConcurrentLinesStayWhole(t *testing.T) {
	var w countingWriter
	p := New(&w).Prepare(slog.LevelInfo, "line")
	kg, ki, kpad := NewKey("g"), NewKey("i"), NewKey("pad")
	const goroutines, perGoroutine = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				e := p.Begin(time.Now())
				e.Int(kg, int64(g))
				e.Int(ki, int64(i))
				e.String(kpad, strings.Repeat("x", 100*(i%20)))
				if err := e.End(); err != nil {
					t.Error(err)
				}
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

// BenchmarkEntry writes an access line field by field, and the same record
// through slog.JSONHandler.
func BenchmarkEntry(b *testing.B) {
	keys := [...]Key{NewKey("method"), NewKey("path"), NewKey("status"), NewKey("latency"),
		NewKey("bytes_out"), NewKey("request_id"), NewKey("client_ip")}
	p := New(io.Discard).Prepare(slog.LevelInfo, "request")
	b.Run("jsonlog", func(b *testing.B) {
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
	b.Run("stdlib", func(b *testing.B) {
		b.ReportAllocs()
		h, ctx := slog.NewJSONHandler(io.Discard, nil), context.Background()
		for b.Loop() {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("method", "GET"), slog.String("path", "/"), slog.Int("status", 200),
				slog.Duration("latency", 12345), slog.Int64("bytes_out", 29),
				slog.String("request_id", "0123456789abcdef-1"), slog.String("client_ip", "192.0.2.1"))
			if err := h.Handle(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ExampleWriter_Prepare() {
	line := New(os.Stdout).Prepare(slog.LevelInfo, "request")
	e := line.Begin(time.Time{}) // no time, so that the output is stable
	e.String(NewKey("method"), "GET")
	e.Int(NewKey("status"), 200)
	_ = e.End()
	// Output: {"level":"INFO","msg":"request","method":"GET","status":200}
}
