// Package batchwriter gathers small writes, such as log lines, into fewer
// and larger writes to an underlying writer. A line costs a memory copy
// instead of a system call; it reaches the underlying writer at the latest
// after a fixed delay, when the buffer fills, or on Flush or Close.
package batchwriter

import (
	"io"
	"sync"
	"time"
)

// Writer buffers whole writes and passes them on in order. Each Write's
// bytes are passed on in one piece, never split across two writes below.
// A Writer is safe for concurrent use.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	size   int
	delay  time.Duration
	timer  *time.Timer
	armed  bool  // the timer will flush
	closed bool  // writes go straight through
	err    error // first error of a flush nobody waited for
}

// New returns a Writer that passes data on to w when size bytes are
// pending, and at most delay after the first pending write.
func New(w io.Writer, size int, delay time.Duration) *Writer {
	b := &Writer{w: w, size: size, delay: delay, buf: make([]byte, 0, size)}
	b.timer = time.AfterFunc(time.Hour, b.flushFromTimer)
	b.timer.Stop()
	return b
}

// Write buffers p. It reports an error left by an earlier background
// flush, once. Writes larger than the buffer go straight through, after
// what is pending.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.err; err != nil {
		b.err = nil
		return 0, err
	}
	if b.closed || len(p) > b.size {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > b.size {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	b.buf = append(b.buf, p...)
	if !b.armed {
		b.armed = true
		b.timer.Reset(b.delay)
	}
	return len(p), nil
}

// Direct returns a writer sharing b's order: each write first passes on
// what b holds, then its own bytes, unbuffered. Use it for records that
// must not wait, such as errors.
func (b *Writer) Direct() io.Writer { return direct{b} }

type direct struct{ b *Writer }

func (d direct) Write(p []byte) (int, error) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if err := d.b.flushLocked(); err != nil {
		return 0, err
	}
	return d.b.w.Write(p)
}

// Flush passes on everything pending.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// Close flushes and makes later writes go straight through, so that
// nothing written after Close is lost either. It does not close the
// underlying writer.
func (b *Writer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.timer.Stop()
	b.armed = false
	return b.flushLocked()
}

func (b *Writer) flushFromTimer() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = false
	if err := b.flushLocked(); err != nil && b.err == nil {
		b.err = err
	}
}

// flushLocked writes out the buffer; b.mu is held.
func (b *Writer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	n, err := b.w.Write(b.buf)
	if err == nil && n < len(b.buf) {
		err = io.ErrShortWrite
	}
	b.buf = b.buf[:0] // even on error: do not retry forever, or grow
	return err
}
