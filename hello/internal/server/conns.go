package server

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The server tracks its connections itself, because http.Server.Shutdown
// gets two cases wrong: it closes a connection whose next request is only
// partly received (it counts as idle), and it keeps a connection that has
// sent nothing for 5 s. The tracker knows, for every connection, whether
// bytes of a request have arrived since its last response, so shutdown can
// close exactly the silent ones and wait for the others; and it enforces
// the connection cap.

// Connection states, as http.Server's ConnState hook reports them.
const (
	connNew int32 = iota
	connActive
	connIdle
	connClosed
)

// silentAfter is how long a connection must have been silent (no byte
// since its last response, or since it opened) before shutdown closes it
// or the cap evicts it. It covers the instant between a response and the
// client's next request on a busy keep-alive connection.
const silentAfter = 50 * time.Millisecond

// tracker holds the open connections.
type tracker struct {
	max int // most connections open at once

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	freed chan struct{} // buffered 1: a connection closed

	// grace is the end of the grace period during shutdown, in Unix
	// nanoseconds; 0 before. Reads interrupted by shutdown while a request
	// is arriving continue until then.
	grace atomic.Int64
}

func newTracker(max int) *tracker {
	return &tracker{max: max, conns: map[*trackedConn]struct{}{}, freed: make(chan struct{}, 1)}
}

// trackedConn is a client connection as the tracker sees it.
type trackedConn struct {
	net.Conn
	t *tracker

	state atomic.Int32
	// since is when the connection last became new or idle (Unix ns).
	since atomic.Int64
	// got is set when bytes arrive while the connection is new or idle:
	// a request has begun.
	got atomic.Bool
	// interrupted is set when shutdown or the cap asks the connection to
	// close by making its pending read time out.
	interrupted atomic.Bool
	// deadline is the read deadline net/http last set (Unix ns, 0: none).
	deadline atomic.Int64
	// req is the request being served, for the log of a cut-off request.
	req atomic.Pointer[http.Request]
}

// Read reads from the connection. A read that shutdown interrupted while a
// request was arriving is resumed with the deadline net/http had set,
// bounded by the end of the grace period, so that the request completes.
func (c *trackedConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if n > 0 && !c.got.Load() {
			c.got.Store(true)
		}
		if err == nil || n > 0 || !c.got.Load() || !c.interrupted.Load() || !isTimeout(err) {
			return n, err
		}
		c.interrupted.Store(false)
		if c.resumeDeadline() != nil {
			return n, err
		}
	}
}

// resumeDeadline restores net/http's read deadline, bounded by the grace
// period, after an interruption.
func (c *trackedConn) resumeDeadline() error {
	d := c.deadline.Load()
	if g := c.t.grace.Load(); g != 0 && (d == 0 || d > g) {
		d = g
	}
	if d == 0 {
		return c.Conn.SetReadDeadline(time.Time{})
	}
	if time.Now().UnixNano() >= d {
		return errors.New("deadline passed")
	}
	return c.Conn.SetReadDeadline(time.Unix(0, d))
}

// SetReadDeadline records the deadline net/http wants and applies it,
// unless the connection was interrupted while silent: then it must close.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	var d int64
	if !t.IsZero() {
		d = t.UnixNano()
	}
	c.deadline.Store(d)
	if c.interrupted.Load() && !c.got.Load() {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines, the read one through SetReadDeadline.
func (c *trackedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// interrupt makes a silent connection's pending read fail, so that
// net/http closes it.
func (c *trackedConn) interrupt() {
	c.interrupted.Store(true)
	c.Conn.SetReadDeadline(time.Unix(1, 0))
}

// silent reports whether the connection has had no byte of a request for
// silentAfter, as of now (Unix ns).
func (c *trackedConn) silent(now int64) bool {
	st := c.state.Load()
	return (st == connNew || st == connIdle) && !c.got.Load() && now-c.since.Load() >= int64(silentAfter)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connState is the http.Server's ConnState hook.
func (t *tracker) connState(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*trackedConn)
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		c.state.Store(connActive)
	case http.StateIdle:
		c.req.Store(nil)
		c.since.Store(time.Now().UnixNano())
		c.got.Store(false)
		c.state.Store(connIdle)
	case http.StateClosed, http.StateHijacked:
		c.state.Store(connClosed)
		t.remove(c)
	}
}

func (t *tracker) add(c *trackedConn) {
	t.mu.Lock()
	t.conns[c] = struct{}{}
	t.mu.Unlock()
}

func (t *tracker) remove(c *trackedConn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	select {
	case t.freed <- struct{}{}:
	default:
	}
}

// open returns the number of open connections.
func (t *tracker) open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// snapshot returns the open connections.
func (t *tracker) snapshot() []*trackedConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*trackedConn, 0, len(t.conns))
	for c := range t.conns {
		out = append(out, c)
	}
	return out
}

// evictIdle interrupts the connection that has been silent the longest: an
// idle keep-alive connection, or one that has sent nothing since it opened.
// It reports whether it found one silent for at least silentAfter.
func (t *tracker) evictIdle() bool {
	now := time.Now().UnixNano()
	t.mu.Lock()
	var oldest *trackedConn
	for c := range t.conns {
		if !c.interrupted.Load() && c.silent(now) &&
			(oldest == nil || c.since.Load() < oldest.since.Load()) {
			oldest = c
		}
	}
	t.mu.Unlock()
	if oldest == nil {
		return false
	}
	oldest.interrupt()
	return true
}

// listener wraps the server's listener: it hands out tracked connections,
// and at the cap it makes room by closing an idle keep-alive connection, or
// else waits for a connection to close before it accepts the next one (new
// clients wait in the kernel's accept queue).
type listener struct {
	net.Listener
	t *tracker

	once   sync.Once
	closed chan struct{}
	err    error
}

func newListener(ln net.Listener, t *tracker) *listener {
	return &listener{Listener: ln, t: t, closed: make(chan struct{})}
}

// capRecheck bounds how long Accept waits at the cap before it looks for an
// idle connection to evict again.
const capRecheck = 10 * time.Millisecond

// Accept waits until the cap allows one more connection, then accepts it.
func (l *listener) Accept() (net.Conn, error) {
	for l.t.open() >= l.t.max {
		l.t.evictIdle()
		select {
		case <-l.t.freed:
		case <-time.After(capRecheck):
		case <-l.closed:
			return nil, net.ErrClosed
		}
	}
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &trackedConn{Conn: nc, t: l.t}
	c.since.Store(time.Now().UnixNano())
	l.t.add(c)
	return c, nil
}

// Close closes the listener once; later calls return the first result.
func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.err = l.Listener.Close()
	})
	return l.err
}
