package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// accessLines returns the access lines of path logged so far.
func accessLines(t *testing.T, srv *running, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range withMsg(srv.logs.records(t), "request") {
		if r["path"] == path {
			out = append(out, r)
		}
	}
	return out
}

// waitForAccessLine waits for the first access line of path.
func waitForAccessLine(t *testing.T, srv *running, path string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(safeTimeout)
	for time.Now().Before(deadline) {
		if l := accessLines(t, srv, path); len(l) > 0 {
			return l[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no access line for %s", path)
	return nil
}

// TestAccessLogIsTruthful: the access line tells the response as it was
// written to the connection. A response the client does not read is held
// back until the write timeout cuts it: its line has that latency, the
// bytes that reached the connection and the write error, not a clean 200
// of a few microseconds.
func TestAccessLogIsTruthful(t *testing.T) {
	cfg := testConfig()
	// Long enough that the handler starts writing before the deadline on
	// a loaded machine: the deadline counts from the request's arrival.
	cfg.WriteTimeout = time.Second
	const bigSize = 64 << 20
	big := make([]byte, bigSize) // made once: no copy per request
	srv := start(t, cfg, func(e *echo.Echo) {
		e.GET("/big", func(c echo.Context) error { return c.Blob(http.StatusOK, "text/plain", big) })
	})
	conn := dialRaw(t, srv.addr)
	if _, err := io.WriteString(conn, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// The client reads the status line, then nothing more.
	seen := make([]byte, len("HTTP/1.1 200"))
	if _, err := io.ReadFull(conn, seen); err != nil {
		t.Fatalf("reading the status line: %v", err)
	}
	l := waitForAccessLine(t, srv, "/big")
	lat, _ := l["latency"].(float64)
	bytes, _ := l["bytes_out"].(float64)
	if time.Duration(lat) < cfg.WriteTimeout/2 {
		t.Errorf("latency %v, want at least the write timeout %v: the response was held back", time.Duration(lat), cfg.WriteTimeout)
	}
	if int(bytes) < len(seen) || bytes >= bigSize {
		t.Errorf("bytes_out %v, want what reached the connection before the cut (%d <= n < %d)", bytes, len(seen), bigSize)
	}
	if werr, _ := l["write_error"].(string); !strings.Contains(werr, "timeout") {
		t.Errorf("write_error %q, want the write timeout (line %v)", werr, l)
	}

	// A response written whole has no write_error, and its bytes.
	raw, _ := rawExchange(t, srv.addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	ok := waitForAccessLine(t, srv, "/")
	if _, has := ok["write_error"]; has || ok["bytes_out"] != float64(len(raw)) {
		t.Errorf("line of a whole response %v, want bytes_out %d and no write_error", ok, len(raw))
	}
}

// TestCutOffRequestIsLoggedOnce: a request cut off at the end of the grace
// period has its "request cut off at shutdown" record and no access line,
// also after its handler returns.
func TestCutOffRequestIsLoggedOnce(t *testing.T) {
	cfg := testConfig()
	cfg.GracePeriod = 200 * time.Millisecond
	started, release := make(chan struct{}, 1), make(chan struct{})
	srv := start(t, cfg, slowRoute(started, release))
	go func() {
		if resp, err := client.Get(srv.url + "/slow"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	srv.stop()
	srv.wait(t) //nolint:errcheck // the grace period error is TestGracePeriodExpiry's
	close(release)
	time.Sleep(200 * time.Millisecond) // the handler returns, and would log
	recs := srv.logs.records(t)
	if r := withMsg(recs, "request cut off at shutdown"); len(r) != 1 {
		t.Errorf("%d cut-off records, want 1", len(r))
	}
	if l := accessLines(t, srv, "/slow"); len(l) != 0 {
		t.Errorf("the cut-off request has access lines too: %v", l)
	}
}
