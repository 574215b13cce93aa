// Package loadgen keeps HTTP/1.1 requests flowing over keep-alive
// connections and tells apart what happens to each one while a server shuts
// down: answered, never sent (connection refused, or found closed before
// the request was written), or failed in flight (written, then no complete
// answer).
//
// wrk cannot make that distinction: once a listener closes, wrk 4.1 counts
// its refused reconnections as read or write errors, mixed with requests the
// server dropped.
//
// It must not retry a request or use net/http's client, which retries
// idempotent requests on its own and would hide the drops it is there to
// count.
package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Options set up a run.
type Options struct {
	// URL is an http:// URL; GET requests are sent to it.
	URL string
	// Connections is the number of connections kept busy at once.
	Connections int
	// Timeout bounds each dial and each request from write to last byte.
	Timeout time.Duration
}

// Result counts what happened to the requests of a run.
type Result struct {
	// Answered requests got a complete 2xx or 3xx response.
	Answered int64
	// Refused counts dials that failed: nothing was sent.
	Refused int64
	// ClosedIdle counts connections the server had closed before the next
	// request was written (or whose write failed): nothing was sent.
	ClosedIdle int64
	// NoAnswer counts requests written whose connection then ended (closed
	// or reset) before the response was complete.
	NoAnswer int64
	// Broken counts requests written that got a malformed response, no
	// response within Timeout, or a status of 400 or more.
	Broken int64
	// LastAnswer is when the last complete answer arrived (zero if none).
	LastAnswer time.Time
}

// Failed counts the requests that were sent and not answered well.
func (r Result) Failed() int64 {
	return r.NoAnswer + r.Broken
}

// Run sends requests until ctx is done, then waits for the requests in
// flight to end and returns the counts.
func Run(ctx context.Context, o Options) (Result, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return Result{}, fmt.Errorf("loadgen: want an http://host:port/ URL, got %q", o.URL)
	}
	if o.Connections < 1 || o.Timeout <= 0 {
		return Result{}, fmt.Errorf("loadgen: need at least one connection and a positive timeout")
	}
	req := []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: bench-loadgen\r\n\r\n")
	var c counters
	var wg sync.WaitGroup
	for range o.Connections {
		wg.Go(func() { c.worker(ctx, u.Host, req, o.Timeout) })
	}
	wg.Wait()
	return c.result(), nil
}

type counters struct {
	answered, refused, closedIdle, noAnswer, broken atomic.Int64
	last                                            atomic.Int64 // UnixNano of the last answer
}

func (c *counters) result() Result {
	r := Result{
		Answered: c.answered.Load(), Refused: c.refused.Load(), ClosedIdle: c.closedIdle.Load(),
		NoAnswer: c.noAnswer.Load(), Broken: c.broken.Load(),
	}
	if n := c.last.Load(); n != 0 {
		r.LastAnswer = time.Unix(0, n)
	}
	return r
}

// refusedPause keeps a worker whose dial failed from spinning.
const refusedPause = 5 * time.Millisecond

func (c *counters) worker(ctx context.Context, addr string, req []byte, timeout time.Duration) {
	dialer := net.Dialer{Timeout: timeout}
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	drop := func() {
		conn.Close()
		conn = nil
	}
	for ctx.Err() == nil {
		if conn == nil {
			nc, err := dialer.DialContext(ctx, "tcp", addr)
			if err != nil {
				if ctx.Err() == nil {
					c.refused.Add(1)
					sleep(ctx, refusedPause)
				}
				continue
			}
			conn, br = nc, bufio.NewReader(nc)
		} else if closedByPeer(conn, br) {
			c.closedIdle.Add(1)
			drop()
			continue
		}
		conn.SetDeadline(time.Now().Add(timeout))
		if _, err := conn.Write(req); err != nil {
			c.closedIdle.Add(1)
			drop()
			continue
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if connectionEnded(err) {
				c.noAnswer.Add(1)
			} else {
				c.broken.Add(1)
			}
			drop()
			continue
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode >= 400 {
			if err != nil && connectionEnded(err) {
				c.noAnswer.Add(1)
			} else {
				c.broken.Add(1)
			}
			drop()
			continue
		}
		c.answered.Add(1)
		c.last.Store(time.Now().UnixNano())
		if resp.Close {
			drop()
		}
	}
}

// closedByPeer reports whether the server has closed an idle connection (or
// sent bytes nobody asked for, which makes it unusable too).
func closedByPeer(conn net.Conn, br *bufio.Reader) bool {
	conn.SetReadDeadline(time.Now())
	_, err := br.Peek(1)
	conn.SetReadDeadline(time.Time{})
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// connectionEnded reports whether err means the connection was closed or
// reset, as opposed to a timeout or a malformed response.
func connectionEnded(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
