// Package logsink carries log records to an output that may stall or fail,
// such as a container's stdout, without ever making the writer wait.
//
// Records are appended to a bounded buffer in memory and written out by one
// goroutine of the sink's own, in order and in large writes. When the
// output does not take them (a reader that stopped reading, a closed pipe),
// the buffer fills and further records are dropped and counted instead of
// waited for. Two kinds of record share the buffer: lines (access log lines,
// dropped first) and events (server start, stop, errors), which may use a
// reserve beyond the lines' share so that they survive a flood of lines.
//
// A writer must never wait for the output, and the package must not know
// the records' format: it reports drops and write errors through
// callbacks, and the caller logs them.
package logsink

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Options configure a [Sink]. Zero values take the defaults shown.
type Options struct {
	// Lines is the most bytes of lines that may wait for the output;
	// a line that does not fit is dropped. Default 512 KiB.
	Lines int
	// Reserve is the room events have beyond Lines. Default 64 KiB.
	Reserve int
	// Delay is the longest a line waits before it is written, unless
	// the output is stalled. Events are written at once. Default 100 ms.
	Delay time.Duration
	// Batch is how many pending bytes wake the writer before Delay has
	// passed. Default 64 KiB.
	Batch int

	// OnError is called with the first error of a write to the output,
	// once. The records of that write are counted as dropped.
	OnError func(error)
	// OnRecovered is called when a write to the output succeeds after
	// records were dropped, with what was dropped since the last call.
	OnRecovered func(Drops)
}

// Drops counts dropped records by why they were dropped.
type Drops struct {
	// Oversized: the record is larger than the buffer (Lines, or Lines
	// plus Reserve for an event), so it could never fit.
	Oversized int64
	// Stalled: the buffer was full while the output was taking a write:
	// the output is slower than the records come (a slow or paused
	// reader of stdout).
	Stalled int64
	// Behind: the buffer was full while no write was in progress: the
	// writer goroutine did not get to run in time (the CPU is overloaded).
	Behind int64
	// Failed: a write to the output failed, and its records with it.
	Failed int64
}

// Total returns the number of records dropped for any reason.
func (d Drops) Total() int64 { return d.Oversized + d.Stalled + d.Behind + d.Failed }

// add adds e's counts to d.
func (d *Drops) add(e Drops) {
	d.Oversized += e.Oversized
	d.Stalled += e.Stalled
	d.Behind += e.Behind
	d.Failed += e.Failed
}

// Sink buffers records for one output. Create it with [New]; stop it with
// [Sink.Close]. Its writers are safe for concurrent use.
type Sink struct {
	out  io.Writer
	opts Options

	mu        sync.Mutex
	buf       []byte // pending records, in order
	records   int64  // in buf
	dropped   Drops  // since the last OnRecovered
	total     Drops  // dropped since New
	writing   bool   // the writer is in a write to the output
	armed     bool   // the timer will wake the writer
	closing   bool   // Close was called
	stopped   bool   // the writer goroutine has ended
	lastError error

	wake   chan struct{} // buffered 1: something to write
	closed chan struct{} // closed by Close
	timer  *time.Timer
	done   chan struct{} // closed when the writer goroutine ends
}

// Defaults of [Options].
const (
	DefaultLines   = 512 << 10
	DefaultReserve = 64 << 10
	DefaultDelay   = 100 * time.Millisecond
	DefaultBatch   = 64 << 10
)

// New returns a Sink writing to out and starts its writer goroutine.
func New(out io.Writer, opts Options) *Sink {
	if opts.Lines <= 0 {
		opts.Lines = DefaultLines
	}
	if opts.Reserve <= 0 {
		opts.Reserve = DefaultReserve
	}
	if opts.Delay <= 0 {
		opts.Delay = DefaultDelay
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	s := &Sink{
		out:    out,
		opts:   opts,
		wake:   make(chan struct{}, 1),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
	}
	s.timer = time.AfterFunc(time.Hour, s.signal)
	s.timer.Stop()
	go s.run()
	return s
}

// Lines returns the writer for records that may be dropped when the output
// stalls, such as access log lines. Each Write is one record; it never
// blocks on the output and never fails.
func (s *Sink) Lines() io.Writer { return lineWriter{s} }

// Events returns the writer for records that must be written promptly and
// are dropped only when the reserve is full too, such as server events.
// Each Write is one record; it never blocks on the output and never fails.
func (s *Sink) Events() io.Writer { return eventWriter{s} }

type lineWriter struct{ s *Sink }

func (w lineWriter) Write(p []byte) (int, error) {
	w.s.add(p, false)
	return len(p), nil
}

type eventWriter struct{ s *Sink }

func (w eventWriter) Write(p []byte) (int, error) {
	w.s.add(p, true)
	return len(p), nil
}

// add appends one record, or drops it when it does not fit.
func (s *Sink) add(p []byte, event bool) {
	limit := s.opts.Lines
	if event {
		limit += s.opts.Reserve
	}
	s.mu.Lock()
	if len(s.buf)+len(p) > limit || s.stopped {
		s.drop(len(p) > limit)
		s.mu.Unlock()
		return
	}
	s.buf = append(s.buf, p...)
	s.records++
	now := event || len(s.buf) >= s.opts.Batch
	if !now && !s.armed {
		s.armed = true
		s.timer.Reset(s.opts.Delay)
	}
	s.mu.Unlock()
	if now {
		s.signal()
	}
}

// drop counts one record that does not fit (oversized: it never could),
// with its reason. The caller holds s.mu.
func (s *Sink) drop(oversized bool) {
	var d Drops
	switch {
	case oversized:
		d.Oversized = 1
	case s.writing || s.stopped:
		d.Stalled = 1
	default:
		d.Behind = 1
	}
	s.dropped.add(d)
	s.total.add(d)
}

// signal wakes the writer goroutine, if it is not awake already.
func (s *Sink) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Dropped returns the number of records dropped since New.
func (s *Sink) Dropped() int64 { return s.Drops().Total() }

// Drops returns the records dropped since New, by reason.
func (s *Sink) Drops() Drops {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// run is the writer goroutine: it takes what is pending, writes it outside
// the lock, and ends once Close has asked and nothing is pending.
func (s *Sink) run() {
	defer close(s.done)
	var spare []byte
	for {
		select {
		case <-s.wake:
		case <-s.closed:
		}
		s.mu.Lock()
		s.armed = false
		if len(s.buf) == 0 {
			if s.closing {
				s.stopped = true
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
			continue
		}
		batch, n := s.buf, s.records
		s.buf, s.records = spare[:0], 0
		s.writing = true
		s.mu.Unlock()
		s.write(batch, n)
		spare = batch
	}
}

// write writes one batch of n records and reports errors and recoveries.
func (s *Sink) write(batch []byte, n int64) {
	_, err := s.out.Write(batch)
	s.mu.Lock()
	s.writing = false
	var first bool
	var recovered Drops
	if err != nil {
		first = s.lastError == nil
		s.lastError = err
		s.dropped.add(Drops{Failed: n})
		s.total.add(Drops{Failed: n})
	} else if s.dropped.Total() > 0 {
		recovered, s.dropped = s.dropped, Drops{}
	}
	s.mu.Unlock()
	if first && s.opts.OnError != nil {
		s.opts.OnError(err)
	}
	if recovered.Total() > 0 && s.opts.OnRecovered != nil {
		s.opts.OnRecovered(recovered)
	}
}

// ErrTimeout is returned by [Sink.Close] when the output did not take the
// pending records in time.
var ErrTimeout = errors.New("logsink: the output did not take the last records in time")

// Close writes out what is pending and stops the writer goroutine, waiting
// at most timeout: an output that has stalled must not hold the process.
// Records written after Close are dropped. Close returns [ErrTimeout] if
// the writer did not finish in time, and the output's last error if its
// last write failed.
func (s *Sink) Close(timeout time.Duration) error {
	s.mu.Lock()
	already := s.closing
	s.closing = true
	s.timer.Stop()
	s.mu.Unlock()
	if !already {
		close(s.closed) // run writes what is pending, then returns
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
		s.mu.Lock()
		pending := len(s.buf)
		s.mu.Unlock()
		return fmt.Errorf("%w (%v; %d bytes pending)", ErrTimeout, timeout, pending)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped.Total() > 0 && s.lastError != nil {
		return fmt.Errorf("logsink: writing to the output: %w", s.lastError)
	}
	return nil
}
