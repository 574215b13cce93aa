package batchwriter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder records each write it gets.
type recorder struct {
	mu     sync.Mutex
	writes []string
	fail   error
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

func TestBatchesUntilFlush(t *testing.T) {
	var r recorder
	w := New(&r, 1024, time.Hour)
	for i := range 3 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if got := r.get(); len(got) != 0 {
		t.Fatalf("writes before flush: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := r.get(); len(got) != 1 || got[0] != "line 0\nline 1\nline 2\n" {
		t.Errorf("after Flush: %q, want the three lines in one write", got)
	}
	if err := w.Flush(); err != nil || len(r.get()) != 1 {
		t.Errorf("empty Flush wrote or failed: %v, %q", err, r.get())
	}
}

func TestFlushesWhenFull(t *testing.T) {
	var r recorder
	w := New(&r, 10, time.Hour)
	io.WriteString(w, "aaaa\n")
	io.WriteString(w, "bbbb\n") // exactly full: still buffered
	io.WriteString(w, "cccc\n") // does not fit: the first two go out
	if got := r.get(); len(got) != 1 || got[0] != "aaaa\nbbbb\n" {
		t.Errorf("writes = %q, want the first two lines in one write", got)
	}
	io.WriteString(w, strings.Repeat("x", 11)) // larger than the buffer
	if got := r.get(); len(got) != 3 || got[1] != "cccc\n" || got[2] != strings.Repeat("x", 11) {
		t.Errorf("writes = %q, want pending then the large write", got)
	}
}

func TestFlushesAfterDelay(t *testing.T) {
	var r recorder
	w := New(&r, 1024, 20*time.Millisecond)
	io.WriteString(w, "first\n")
	io.WriteString(w, "second\n")
	deadline := time.Now().Add(10 * time.Second)
	for len(r.get()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := r.get(); len(got) != 1 || got[0] != "first\nsecond\n" {
		t.Fatalf("writes = %q, want both lines flushed by the timer", got)
	}
	// The timer re-arms for later writes.
	io.WriteString(w, "third\n")
	for len(r.get()) == 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := r.get(); len(got) != 2 || got[1] != "third\n" {
		t.Errorf("writes = %q, want the third line flushed by the timer", got)
	}
}

func TestDirectKeepsOrder(t *testing.T) {
	var r recorder
	w := New(&r, 1024, time.Hour)
	io.WriteString(w, "buffered\n")
	io.WriteString(w.Direct(), "direct\n")
	if got := r.get(); len(got) != 2 || got[0] != "buffered\n" || got[1] != "direct\n" {
		t.Errorf("writes = %q, want the buffered line, then the direct one", got)
	}
}

func TestCloseFlushesAndWritesThrough(t *testing.T) {
	var r recorder
	w := New(&r, 1024, time.Hour)
	io.WriteString(w, "before\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "after\n")
	if got := r.get(); len(got) != 2 || got[0] != "before\n" || got[1] != "after\n" {
		t.Errorf("writes = %q, want the pending line on Close, then the later one at once", got)
	}
}

func TestErrors(t *testing.T) {
	boom := errors.New("disk full")
	r := recorder{fail: boom}
	w := New(&r, 1024, time.Millisecond)
	if _, err := io.WriteString(w, "x\n"); err != nil {
		t.Fatalf("buffered write failed early: %v", err)
	}
	// The timer's flush fails; the next Write reports it once.
	deadline := time.Now().Add(10 * time.Second)
	var err error
	for err == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		_, err = io.WriteString(w, "y\n")
	}
	if !errors.Is(err, boom) {
		t.Errorf("Write after a failed background flush = %v, want %v", err, boom)
	}
	if _, err := io.WriteString(w, "z\n"); err != nil {
		t.Fatalf("error reported twice: %v", err)
	}
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush = %v, want %v", err, boom)
	}
	if _, err := io.WriteString(w.Direct(), "z\n"); !errors.Is(err, boom) {
		t.Errorf("direct write = %v, want %v", err, boom)
	}
}

func TestConcurrentWritesStayWhole(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	w := New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	}), 256, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				line := fmt.Sprintf("g%d-%d %s\n", g, i, strings.Repeat("x", i%50))
				if _, err := io.WriteString(w, line); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	w.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8*500 {
		t.Fatalf("got %d lines, want %d", len(lines), 8*500)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var g, i int
		var pad string
		if _, err := fmt.Sscanf(l, "g%d-%d %s", &g, &i, &pad); err != nil && i%50 != 0 {
			t.Fatalf("torn line %q: %v", l, err)
		}
		key := fmt.Sprint(g, "-", i)
		if seen[key] {
			t.Fatalf("line %q twice", l)
		}
		seen[key] = true
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func BenchmarkWrite(b *testing.B) {
	line := []byte(`{"time":"2026-01-02T03:04:05.123456789Z","level":"INFO","msg":"request","method":"GET","path":"/","status":200}` + "\n")
	w := New(io.Discard, 32<<10, 100*time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.Write(line)
		}
	})
}
