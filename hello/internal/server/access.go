package server

import (
	"errors"
	"time"
)

// access is what the access log records of one request. The access log
// middleware gathers it when the handler returns; the line is written when
// the response has reached the connection (net/http has flushed it and
// the connection turns idle or closes), so that its latency, bytes and
// outcome are those of the response as written, not as handed to net/http.
type access struct {
	method, path, requestID, clientIP string
	status                            int
	start                             time.Time
}

// errNotFlushed is the write error of a response whose connection closed
// before net/http could write it, with no write failing.
var errNotFlushed = errors.New("connection closed before the response was written")

// setAccess hands the connection the entry of its current request, to be
// written by finishAccess.
func (c *trackedConn) setAccess(e access) {
	c.amu.Lock()
	c.entry, c.hasEntry = e, true
	c.amu.Unlock()
}

// finishAccess writes the access line of the request whose response has
// been written (or could not be), once, and starts the count of the next
// response; closing says the connection is closing. A request cut off at
// shutdown has its own record instead.
func (c *trackedConn) finishAccess(closing bool) {
	c.amu.Lock()
	e, ok := c.entry, c.hasEntry
	c.hasEntry = false
	c.amu.Unlock()
	written := c.written.Swap(0)
	var err error
	if p := c.writeErr.Swap(nil); p != nil {
		err = *p
	} else if written == 0 && closing {
		err = errNotFlushed
	}
	if !ok || c.cutOff.Load() || c.t.logAccess == nil {
		return
	}
	// The latency ends with the response's last write: net/http may then
	// still wait for the rest of a request body before the connection
	// turns idle.
	took := time.Since(e.start)
	if written > 0 {
		took = c.t.epoch.Add(time.Duration(c.wroteAt.Load())).Sub(e.start)
	}
	c.t.logAccess(&e, written, err, took)
}
