package logsink

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// output records what it is given; it can fail, or block until released.
type output struct {
	mu      sync.Mutex
	data    strings.Builder
	writes  int
	fail    error
	blocked chan struct{} // while not nil, writes wait for it to close
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	b := o.blocked
	o.mu.Unlock()
	if b != nil {
		<-b
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return 0, o.fail
	}
	o.writes++
	o.data.Write(p)
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.data.String()
}

// eventually polls cond for up to 10 s; it is a safety net, not a timing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestLinesAreBatchedAndInOrder(t *testing.T) {
	var o output
	s := New(&o, Options{Delay: time.Hour, Batch: 1 << 20})
	for i := range 100 {
		fmt.Fprintf(s.Lines(), "line %d\n", i)
	}
	if got := o.String(); got != "" {
		t.Fatalf("lines written before the delay or a batch: %q", got)
	}
	fmt.Fprintf(s.Events(), "event\n")
	eventually(t, "the event", func() bool { return strings.HasSuffix(o.String(), "event\n") })
	want := ""
	for i := range 100 {
		want += fmt.Sprintf("line %d\n", i)
	}
	if got := o.String(); got != want+"event\n" || o.writes != 1 {
		t.Errorf("got %d writes of %q, want one write of the lines then the event", o.writes, got)
	}
	if err := s.Close(time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestDelayBoundsTheWait(t *testing.T) {
	var o output
	s := New(&o, Options{Delay: 5 * time.Millisecond})
	defer s.Close(time.Second)
	fmt.Fprint(s.Lines(), "one\n")
	eventually(t, "the line", func() bool { return o.String() == "one\n" })
}

func TestBatchWakesTheWriter(t *testing.T) {
	var o output
	s := New(&o, Options{Delay: time.Hour, Batch: 10})
	defer s.Close(time.Second)
	fmt.Fprint(s.Lines(), "0123456789\n")
	eventually(t, "the line", func() bool { return o.String() == "0123456789\n" })
}

func TestCloseWritesEverything(t *testing.T) {
	var o output
	s := New(&o, Options{Delay: time.Hour})
	fmt.Fprint(s.Lines(), "a\n")
	fmt.Fprint(s.Events(), "b\n")
	fmt.Fprint(s.Lines(), "c\n")
	if err := s.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	if got := o.String(); got != "a\nb\nc\n" {
		t.Errorf("after Close: %q", got)
	}
	fmt.Fprint(s.Lines(), "late\n")
	if s.Dropped() != 1 {
		t.Errorf("a line written after Close: Dropped = %d, want 1", s.Dropped())
	}
	if err := s.Close(time.Second); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestStalledOutputDropsLines is the point of the package: a writer whose
// output does not take data is never held, lines beyond the buffer are
// dropped and counted, events still fit in the reserve, and once the output
// works again the drop is reported.
func TestStalledOutputDropsLines(t *testing.T) {
	o := output{blocked: make(chan struct{})}
	var mu sync.Mutex
	var recovered []Drops
	s := New(&o, Options{Lines: 100, Reserve: 50, Delay: time.Millisecond, Batch: 1,
		OnRecovered: func(d Drops) { mu.Lock(); recovered = append(recovered, d); mu.Unlock() }})

	fmt.Fprint(s.Lines(), "first\n") // taken by the writer, which blocks
	eventually(t, "the writer to take the first line", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.buf) == 0
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			fmt.Fprint(s.Lines(), "0123456789\n") // 11 bytes: 9 fit in 100
		}
		fmt.Fprint(s.Events(), "event\n")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("writes blocked on a stalled output")
	}
	if got := s.Dropped(); got != 1000-9 {
		t.Errorf("Dropped = %d, want %d", got, 1000-9)
	}

	close(o.blocked) // the reader comes back
	eventually(t, "the drop report", func() bool { mu.Lock(); defer mu.Unlock(); return len(recovered) > 0 })
	if err := s.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	if want := (Drops{Stalled: 1000 - 9}); recovered[0] != want {
		t.Errorf("OnRecovered(%+v), want %+v: the output was taking a write", recovered[0], want)
	}
	want := "first\n" + strings.Repeat("0123456789\n", 9) + "event\n"
	if got := o.String(); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestCloseGivesUpOnAStalledOutput(t *testing.T) {
	o := output{blocked: make(chan struct{})}
	defer close(o.blocked)
	s := New(&o, Options{Delay: time.Millisecond})
	fmt.Fprint(s.Events(), "stuck\n")
	fmt.Fprint(s.Events(), "pending\n")
	start := time.Now()
	err := s.Close(50 * time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Close = %v, want ErrTimeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Close took %v", time.Since(start))
	}
}

func TestWriteErrorsAreReportedOnceAndCounted(t *testing.T) {
	o := output{fail: syscall.EPIPE}
	var mu sync.Mutex
	var errs []error
	s := New(&o, Options{Delay: time.Millisecond,
		OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }})
	for i := range 3 {
		fmt.Fprintf(s.Events(), "event %d\n", i)
		eventually(t, "the failed write", func() bool { return s.Dropped() == int64(i+1) })
	}
	err := s.Close(time.Second)
	if !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Close = %v, want the EPIPE", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || !errors.Is(errs[0], syscall.EPIPE) {
		t.Errorf("OnError calls: %v, want one with EPIPE", errs)
	}
}

func TestConcurrentWritersKeepRecordsWhole(t *testing.T) {
	var o output
	s := New(&o, Options{Delay: time.Millisecond, Batch: 256})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				fmt.Fprintf(s.Lines(), "g%d-%d %s\n", g, i, strings.Repeat("x", 20))
			}
		})
	}
	wg.Wait()
	if err := s.Close(time.Second); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(o.String(), "\n"), "\n")
	if len(lines)+int(s.Dropped()) != 8*200 {
		t.Fatalf("%d lines and %d dropped, want %d in all", len(lines), s.Dropped(), 8*200)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, " "+strings.Repeat("x", 20)) {
			t.Fatalf("torn line %q", l)
		}
	}
}

// TestDropReasons: each reason a record is dropped for is counted as such.
func TestDropReasons(t *testing.T) {
	t.Run("oversized", func(t *testing.T) {
		var o output
		s := New(&o, Options{Lines: 100, Reserve: 50, Delay: time.Millisecond})
		fmt.Fprint(s.Lines(), strings.Repeat("x", 101)+"\n")
		fmt.Fprint(s.Events(), strings.Repeat("x", 151)+"\n")
		fmt.Fprint(s.Lines(), "fits\n")
		if err := s.Close(time.Second); err != nil {
			t.Fatal(err)
		}
		if got, want := s.Drops(), (Drops{Oversized: 2}); got != want {
			t.Errorf("Drops = %+v, want %+v", got, want)
		}
		if o.String() != "fits\n" {
			t.Errorf("output %q", o.String())
		}
	})
	t.Run("behind", func(t *testing.T) {
		// No write in progress, the writer not yet woken (a long Delay):
		// a full buffer means the writer fell behind.
		var o output
		s := New(&o, Options{Lines: 100, Delay: time.Hour, Batch: 1 << 20})
		for range 20 {
			fmt.Fprint(s.Lines(), "0123456789\n")
		}
		if got, want := s.Drops(), (Drops{Behind: 20 - 9}); got != want {
			t.Errorf("Drops = %+v, want %+v", got, want)
		}
		if err := s.Close(time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("failed", func(t *testing.T) {
		o := output{fail: syscall.EPIPE}
		s := New(&o, Options{Delay: time.Millisecond})
		fmt.Fprint(s.Events(), "a\n")
		eventually(t, "the failed write", func() bool { return s.Dropped() == 1 })
		_ = s.Close(time.Second) // the EPIPE is expected
		if got, want := s.Drops(), (Drops{Failed: 1}); got != want {
			t.Errorf("Drops = %+v, want %+v", got, want)
		}
	})
}
