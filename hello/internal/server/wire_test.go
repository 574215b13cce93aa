package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// Wire tests: raw sockets against the real listener and connection wrapper
// (trackedConn), each case beside a plain net/http server with the same
// limits where the two must behave alike.

// plainServer serves a greeting with net/http alone and cfg's limits.
func plainServer(t *testing.T, cfg Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, Greeting) }),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
	}
	go hs.Serve(ln) // ends with ErrServerClosed at cleanup
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// dialRaw opens a raw connection to addr, bounded by safeTimeout and closed
// when the test ends.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(safeTimeout))
	return conn
}

// outcome is how a raw exchange ended, as the client saw it.
type outcome struct {
	status string // the status line, "" if none arrived
	end    string // "EOF" or "reset" or another error
}

// exchange sends request on a new connection (in the background, as a
// client that keeps sending would) and reads until the stream ends.
func exchange(t *testing.T, addr, request string) outcome {
	t.Helper()
	conn := dialRaw(t, addr)
	defer conn.Close()
	go io.WriteString(conn, request) // the server may stop reading
	br := bufio.NewReader(conn)
	var o outcome
	line, err := br.ReadString('\n')
	o.status = strings.TrimSpace(line)
	if err == nil {
		_, err = io.Copy(io.Discard, br)
	}
	switch {
	case err == nil:
		o.end = "EOF"
	case errors.Is(err, syscall.ECONNRESET):
		o.end = "reset"
	default:
		o.end = err.Error()
	}
	return o
}

// TestWireLikePlainNetHTTP: the cases net/http answers itself end on the
// wire as they do without hello's wrapper, half-close included: the client
// reads the whole error response and then the end of the stream, even while
// it is still sending.
func TestWireLikePlainNetHTTP(t *testing.T) {
	cfg := testConfig()
	cfg.MaxHeaderBytes = 1 << 20
	hello := start(t, cfg, nil).addr
	plain := plainServer(t, cfg)
	huge := "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 1100<<10) + "\r\n\r\n"
	cases := []struct {
		name, request, status string
	}{
		{"oversized headers, client keeps sending", huge, "HTTP/1.1 431 Request Header Fields Too Large"},
		{"malformed request line", "NOT HTTP\r\n\r\n" + strings.Repeat("junk ", 1<<10), "HTTP/1.1 400 Bad Request"},
		{"unsupported version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
		{"bad header", "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"unknown transfer encoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", "HTTP/1.1 501 Not Implemented"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 3 {
				want, got := exchange(t, plain, tc.request), exchange(t, hello, tc.request)
				if !strings.HasPrefix(want.status, tc.status) {
					t.Fatalf("plain net/http answered %q, the test expects %q", want.status, tc.status)
				}
				if got != want {
					t.Errorf("hello: %+v; plain net/http: %+v", got, want)
				}
			}
		})
	}
}

// closedAfter opens a connection, sends request, and returns how long the
// server took to end the stream, and how many bytes came before the end.
// With wait, the client reads nothing for that long first.
func closedAfter(t *testing.T, addr, request string, wait time.Duration) (time.Duration, int64) {
	t.Helper()
	conn := dialRaw(t, addr)
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	time.Sleep(wait)
	conn.SetReadDeadline(time.Now().Add(safeTimeout))
	n, err := io.Copy(io.Discard, conn)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the server did not end the connection: %v", err)
	}
	return time.Since(start), n
}

// TestTimeoutsOnTheWire: each timeout fires through the real listener and
// connection wrapper, on a raw socket, no sooner than set and well before
// the safety net; the write timeout cuts a response the client does not
// read, as plain net/http does.
func TestTimeoutsOnTheWire(t *testing.T) {
	const d = 400 * time.Millisecond
	const margin = 3 * time.Second // generous: a loaded machine
	cfg := testConfig()
	cfg.ReadHeaderTimeout, cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout = d, 2*d, 2*d, d
	const bigSize = 64 << 20
	big := strings.Repeat("x", bigSize)
	srv := start(t, cfg, func(e *echo.Echo) {
		e.GET("/big", func(c echo.Context) error { return c.String(http.StatusOK, big) })
	})
	cases := []struct {
		name    string
		request string
		wait    time.Duration
		min     time.Duration
	}{
		{"read header", "GET / HTTP/1.1\r\nHost: x\r\n", 0, cfg.ReadHeaderTimeout},
		{"read (body never sent)", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab", 0, cfg.ReadTimeout},
		{"idle", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, cfg.IdleTimeout},
		{"write (client does not read)", "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", 2 * cfg.WriteTimeout, cfg.WriteTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			took, n := closedAfter(t, srv.addr, tc.request, tc.wait)
			if took < tc.min*8/10 || took > tc.wait+cfg.ReadTimeout+margin {
				t.Errorf("closed after %v, want between %v and %v", took, tc.min*8/10, tc.wait+cfg.ReadTimeout+margin)
			}
			if tc.wait > 0 && n >= bigSize {
				t.Errorf("the whole response (%d bytes) arrived: the write timeout did not cut it", n)
			}
		})
	}
}
