package server

import (
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
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
// since it opened, or since its last response) before shutdown closes it or
// the cap evicts it. It covers the moment between a response and the
// client's next request on a busy keep-alive connection, and between a
// connect and the first request, on a loaded machine.
const silentAfter = 200 * time.Millisecond

// lastLook is how long an interrupted connection that looked silent gets to
// deliver bytes that had already arrived, where the socket cannot be peeked
// at (see [unread]): an expired deadline fails a read before it looks at the
// socket.
const lastLook = 5 * time.Millisecond

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

	// epoch starts the tracker's clock, [tracker.now].
	epoch time.Time

	// own counts the requests that net/http answered, or closed, itself.
	own ownCounts

	// What the cap did, for its warning (see [tracker.full]).
	evictedSilent, evictedSlow, fdExhausted atomic.Int64
	// onFull, if set, is called when a new connection finds the cap
	// reached or the process out of file descriptors.
	onFull func()
	// logAccess, if set, writes the access line of a request whose
	// response has been written (err nil) or could not be: written bytes
	// reached the connection, took is the time from the request's start.
	logAccess func(e *access, written int64, err error, took time.Duration)
}

func newTracker(limit int) *tracker {
	return &tracker{max: limit, conns: map[*trackedConn]struct{}{}, freed: make(chan struct{}, 1), epoch: time.Now()}
}

// now reads the tracker's clock: nanoseconds since the tracker was made,
// on the monotonic clock only, which costs half of time.Now (a connection
// reads it after every response).
func (t *tracker) now() int64 { return int64(time.Since(t.epoch)) }

// ownCounts count the requests no handler saw, by what net/http did: an
// answer of its own, by status class, or a close of a request that never
// completed.
type ownCounts struct {
	ok, clientError, serverError, other, incomplete atomic.Int64
}

// ownTotals is a snapshot of ownCounts.
type ownTotals struct{ ok, clientError, serverError, other, incomplete int64 }

func (o *ownCounts) load() ownTotals {
	return ownTotals{o.ok.Load(), o.clientError.Load(), o.serverError.Load(), o.other.Load(), o.incomplete.Load()}
}

// trackedConn is a client connection as the tracker sees it.
//
// It also makes net/http's timeouts cheap. net/http sets a read or write
// deadline five to seven times per request, and each costs a timer update
// in the runtime. trackedConn applies a new deadline to the socket only when
// it is earlier than the one in force (or none is): a deadline in force that
// is earlier than wanted may fire too soon, and then Read or Write sets the
// wanted one and carries on. No read or write ever outlives its deadline;
// on a busy keep-alive connection most updates cost a comparison.
type trackedConn struct {
	net.Conn
	t *tracker

	state atomic.Int32
	// since is when the connection last became new or idle, on the
	// tracker's clock.
	since atomic.Int64
	// got is set when bytes arrive while the connection is new or idle:
	// a request has begun; begun is when, on the tracker's clock.
	got   atomic.Bool
	begun atomic.Int64
	// handled is when the handler of the current request returned, on the
	// tracker's clock; 0 while it runs or before. net/http may still read
	// the rest of the request's body after that.
	handled atomic.Int64
	// interrupted is set when shutdown or the cap asks the connection to
	// close by making its pending read time out.
	interrupted atomic.Bool
	// req is the request being served, for the log of a cut-off request.
	req atomic.Pointer[http.Request]
	// answered is set when net/http wrote a response of its own (see
	// [trackedConn.Write]).
	answered atomic.Bool

	// The access log entry of the current request, made when its handler
	// returns and written once its response has reached the connection
	// (see [access]); written counts the bytes of that response, and
	// writeErr is the error that ended a write, if one did.
	amu      sync.Mutex
	entry    access
	hasEntry bool
	written  atomic.Int64
	wroteAt  atomic.Int64 // when the last write ended, on the tracker's clock
	writeErr atomic.Pointer[error]
	// cutOff is set when shutdown cuts the connection: the cut is logged
	// as such, and the request gets no access line besides.
	cutOff atomic.Bool

	mu sync.Mutex // guards the deadlines, and applying them
	// The deadlines net/http wants, and those in force on the socket, in
	// Unix nanoseconds; 0 means none.
	readWant, readSet   int64
	writeWant, writeSet int64
	// readExpired is set while the read deadline in force was in the past
	// when it was set (how a pending read is aborted): the next deadline
	// replaces it, earlier or not.
	readExpired bool
	looked      bool // the last look after an interrupt was taken
}

// Read reads from the connection. After a timeout it sets the deadline
// net/http wants and reads again, unless that deadline has passed: the one
// in force was earlier (see [trackedConn]), or shutdown interrupted the
// read while a request was arriving (the request then gets until the end
// of the grace period).
func (c *trackedConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if n > 0 && !c.got.Load() {
			c.begun.Store(c.t.now())
			c.got.Store(true)
		}
		if err == nil || n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) || !c.rearmRead() {
			return n, err
		}
	}
}

// rearmRead sets the read deadline net/http wants after an early timeout,
// and reports whether the read may go on.
func (c *trackedConn) rearmRead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := c.readWant
	if c.interrupted.Load() {
		if !c.got.Load() {
			if c.looked {
				return false // silent: close
			}
			c.looked = true
			waiting, known := unread(c.Conn)
			if !known {
				c.readSet, c.readExpired = time.Now().Add(lastLook).UnixNano(), false
				return c.Conn.SetReadDeadline(time.Unix(0, c.readSet)) == nil
			}
			if !waiting {
				return false // silent: close
			}
			// The next request had arrived, unread: it has begun.
			c.begun.Store(c.t.now())
			c.got.Store(true)
		}
		c.interrupted.Store(false)
		if g := c.t.grace.Load(); g != 0 && (want == 0 || want > g) {
			want = g
		}
	}
	if want != 0 && time.Now().UnixNano() >= want {
		return false // the deadline wanted has passed: a timeout, or an abort
	}
	c.readSet, c.readExpired = want, false
	return c.Conn.SetReadDeadline(unixTime(want)) == nil
}

// Write writes p. After a timeout it sets the deadline net/http wants and
// writes the rest, unless that deadline has passed.
func (c *trackedConn) Write(p []byte) (int, error) {
	if c.req.Load() == nil {
		c.noteOwnResponse(p)
	}
	var done int
	for {
		n, err := c.Conn.Write(p[done:])
		done += n
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || !c.rearmWrite() {
			c.written.Add(int64(done))
			c.wroteAt.Store(c.t.now())
			if err != nil {
				c.writeErr.Store(&err)
			}
			return done, err
		}
	}
}

func (c *trackedConn) rearmWrite() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := c.writeWant
	if want != 0 && time.Now().UnixNano() >= want {
		return false
	}
	c.writeSet = want
	return c.Conn.SetWriteDeadline(unixTime(want)) == nil
}

// SetReadDeadline records the deadline net/http wants, and applies it if it
// is earlier than the one in force. A connection interrupted while silent
// keeps its expired deadline: it must close. A deadline in the past (how
// a caller aborts a pending read) is earlier than any in force, so it
// applies at once, and the next one replaces it.
//
// It and SetWriteDeadline unlock without defer: they run five to seven
// times per request, and neither can panic while holding the lock.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	d := unixNano(t)
	c.mu.Lock()
	c.readWant = d
	var apply bool
	switch {
	case c.interrupted.Load() && !c.got.Load():
	case c.readExpired:
		apply = d != 0 // if 0, a read now fails and retries without a deadline
	default:
		apply = earlier(d, c.readSet)
	}
	var err error
	if apply {
		c.readSet, c.readExpired = d, d != 0 && d <= time.Now().UnixNano()
		err = c.Conn.SetReadDeadline(t)
	}
	c.mu.Unlock()
	return err
}

// SetWriteDeadline is SetReadDeadline for writes.
func (c *trackedConn) SetWriteDeadline(t time.Time) error {
	d := unixNano(t)
	c.mu.Lock()
	c.writeWant = d
	var err error
	if earlier(d, c.writeSet) {
		c.writeSet = d
		err = c.Conn.SetWriteDeadline(t)
	}
	c.mu.Unlock()
	return err
}

// SetDeadline sets both deadlines.
func (c *trackedConn) SetDeadline(t time.Time) error {
	if err := c.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// earlier reports whether deadline want must replace the one in force, set:
// none is in force, or want comes first. A later or absent want keeps set,
// which may then fire early.
func earlier(want, set int64) bool {
	return set == 0 || want != 0 && want < set
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func unixTime(d int64) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Unix(0, d)
}

// noteOwnResponse counts a response that net/http writes with no handler
// involved (no request is noted on the connection): its rejections of
// requests it cannot parse or will not serve (400, 431, 501, 505 ...), and
// its answer to OPTIONS *. p is the start of the response.
func (c *trackedConn) noteOwnResponse(p []byte) {
	if len(p) < len("HTTP/1.1 200") || string(p[:len("HTTP/1.")]) != "HTTP/1." {
		return
	}
	switch p[len("HTTP/1.1 ")] {
	case '2':
		c.t.own.ok.Add(1)
	case '4':
		c.t.own.clientError.Add(1)
	case '5':
		c.t.own.serverError.Add(1)
	default:
		c.t.own.other.Add(1)
	}
	c.answered.Store(true)
}

// CloseWrite shuts down the writing side of the connection, as
// *net.TCPConn does. net/http ends its own error responses (431 for
// oversized headers, 400, ...) with it and a short wait, so that a client
// still sending reads the response and then the end of the stream, not a
// reset; it finds the method by a type assertion on the connection, so the
// wrapper must have it.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// interrupt makes a silent connection's pending read fail, so that
// net/http closes it.
func (c *trackedConn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupted.Store(true)
	c.readSet, c.readExpired = 1, false
	_ = c.Conn.SetReadDeadline(time.Unix(0, 1)) // a closed conn needs no interrupting
}

// silent reports whether the connection has had no byte of a request for
// silentAfter, as of now (on the tracker's clock).
func (c *trackedConn) silent(now int64) bool {
	st := c.state.Load()
	return (st == connNew || st == connIdle) && !c.got.Load() && now-c.since.Load() >= int64(silentAfter)
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
		c.finishAccess(false)
		c.req.Store(nil)
		c.answered.Store(false)
		c.handled.Store(0)
		c.since.Store(t.now())
		c.got.Store(false)
		c.state.Store(connIdle)
	case http.StateClosed, http.StateHijacked:
		// Closed before its access line is written: an exit counts it as
		// busy no longer, and waits for it as open until it is removed.
		c.state.Store(connClosed)
		c.finishAccess(true)
		if c.got.Load() && c.req.Load() == nil && !c.answered.Load() && !c.interrupted.Load() {
			// Part of a request arrived and nothing answered it: the header
			// or read timeout, or the client gave up.
			t.own.incomplete.Add(1)
		}
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

// busy returns the number of open connections with a request under way:
// active, or having sent part of one.
func (t *tracker) busy() int {
	n := 0
	for _, c := range t.snapshot() {
		if st := c.state.Load(); st == connActive || st != connClosed && c.got.Load() {
			n++
		}
	}
	return n
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
	now := t.now()
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
	t.evictedSilent.Add(1)
	return true
}

// slowAfter is how long a request must have been stuck before the cap may
// close its connection to make room: its headers begun but not complete,
// or its body still expected after the response. A trickling or stalled
// client then loses its place to new clients (and the health checks)
// instead of holding it until the header or read timeout.
const slowAfter = 100 * time.Millisecond

// stuck returns for how long the connection's request has made no
// progress a handler could use, as of now: since its first byte while its
// headers are incomplete, or since its handler returned while net/http
// waits for the rest of its body. It is 0 for every other connection.
func (c *trackedConn) stuck(now int64) int64 {
	switch c.state.Load() {
	case connNew, connIdle:
		if c.got.Load() {
			return now - c.begun.Load()
		}
	case connActive:
		if h := c.handled.Load(); h != 0 {
			return now - h
		}
	}
	return 0
}

// evictSlow closes the connection whose request has been stuck the
// longest, if for at least slowAfter, and reports whether it found one.
func (t *tracker) evictSlow() bool {
	now := t.now()
	t.mu.Lock()
	var worst *trackedConn
	var most int64
	for c := range t.conns {
		if d := c.stuck(now); d >= int64(slowAfter) && d > most && !c.interrupted.Load() {
			worst, most = c, d
		}
	}
	t.mu.Unlock()
	if worst == nil {
		return false
	}
	worst.interrupted.Store(true)
	_ = worst.Close() // net/http's read fails and it forgets the connection
	t.evictedSlow.Add(1)
	return true
}

// makeRoom closes one connection to make room for a new one: the one
// silent the longest, or else the one stuck the longest, if any.
func (t *tracker) makeRoom() {
	if !t.evictIdle() {
		t.evictSlow()
	}
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
// When the process runs out of file descriptors, it makes room as at the
// cap and tries again, so that new clients and the health checks are not
// locked out until an idle connection times out.
func (l *listener) Accept() (net.Conn, error) {
	for {
		if err := l.waitForRoom(); err != nil {
			return nil, err
		}
		nc, err := l.Listener.Accept()
		if err == nil {
			c := &trackedConn{Conn: nc, t: l.t}
			c.since.Store(l.t.now())
			l.t.add(c)
			return c, nil
		}
		if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
			return nil, err
		}
		l.t.fdExhausted.Add(1)
		l.t.full()
		l.t.makeRoom()
		if err := l.pause(); err != nil {
			return nil, err
		}
	}
}

// waitForRoom returns once fewer connections than the cap are open,
// closing silent or stuck ones to make room.
func (l *listener) waitForRoom() error {
	for l.t.open() >= l.t.max {
		l.t.full()
		l.t.makeRoom() // its close wakes the pause, through freed
		if err := l.pause(); err != nil {
			return err
		}
	}
	return nil
}

// pause waits until a connection closes, capRecheck passes or the listener
// closes.
func (l *listener) pause() error {
	select {
	case <-l.t.freed:
	case <-time.After(capRecheck):
	case <-l.closed:
		return net.ErrClosed
	}
	return nil
}

// full tells onFull that a new connection found no room.
func (t *tracker) full() {
	if t.onFull != nil {
		t.onFull()
	}
}

// Close closes the listener once; later calls return the first result.
func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.err = l.Listener.Close()
	})
	return l.err
}
