package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/httplimit"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/requestid"
)

// safeTimeout bounds waits in tests; it is a safety net, not an assertion.
const safeTimeout = 20 * time.Second

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes the log lines written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, line)
		}
		out = append(out, m)
	}
	return out
}

// withMsg returns the records whose msg is msg.
func withMsg(recs []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

var testBuild = buildinfo.Info{Version: "v1.2.3", Commit: "abc", Date: "2026-01-02T03:04:05Z", GoVersion: "go1.26", Platform: "linux/amd64"}

func testConfig() Config {
	return Config{
		Addr: "127.0.0.1:0",
		Limits: httplimit.Limits{
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       10 * time.Second,
			MaxHeaderBytes:    16 << 10,
			MaxConnections:    100,
		},
		GracePeriod: 10 * time.Second,
		AccessLog:   useTestLog,
		Build:       testBuild,
	}
}

// useTestLog, as Config.AccessLog, asks start for an access log into the
// test's log buffer.
var useTestLog = jsonlog.New(io.Discard)

// running is a Server serving on loopback in the background.
type running struct {
	*Server
	url  string
	addr string
	logs *syncBuffer
	stop context.CancelFunc
	done chan error
}

// start builds a Server from cfg, lets setup add routes, and serves it
// until the test ends.
func start(t *testing.T, cfg Config, setup func(*echo.Echo)) *running {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.AccessLog == useTestLog {
		cfg.AccessLog = jsonlog.New(logs)
	}
	s, err := New(cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(s.echo)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Server: s, addr: ln.Addr().String(), url: "http://" + ln.Addr().String(), logs: logs, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done: //nolint:errcheck // Serve's result is for the tests that call wait
		case <-time.After(safeTimeout):
			t.Error("server did not stop")
		}
	})
	return r
}

// wait returns Serve's result.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(safeTimeout):
		t.Fatal("server did not stop")
		return nil
	}
}

var client = &http.Client{Timeout: safeTimeout}

// do sends a request and returns the response with its body read.
func do(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, string(body)
}

func TestEndpoints(t *testing.T) {
	srv := start(t, testConfig(), nil)
	versionJSON, _ := json.Marshal(testBuild)

	const allow = "OPTIONS, GET, HEAD"
	tests := []struct {
		method, path string
		status       int
		contentType  string
		body         string
		allow        string
		noStore      bool
	}{
		{"GET", "/", 200, "text/plain; charset=utf-8", "Hello from Multi-Stage Build!", "", false},
		{"HEAD", "/", 200, "text/plain; charset=utf-8", "", "", false},
		{"GET", "/healthz", 200, "application/json", `{"status":"ok"}` + "\n", "", true},
		{"HEAD", "/healthz", 200, "application/json", "", "", true},
		{"GET", "/readyz", 200, "application/json", `{"status":"ready"}` + "\n", "", true},
		{"HEAD", "/readyz", 200, "application/json", "", "", true},
		{"GET", "/version", 200, "application/json", string(versionJSON) + "\n", "", false},
		{"HEAD", "/version", 200, "application/json", "", "", false},
		{"GET", "/?q=1", 200, "text/plain; charset=utf-8", "Hello from Multi-Stage Build!", "", false},
		{"POST", "/", 405, "application/json", `{"message":"Method Not Allowed"}` + "\n", allow, false},
		{"PUT", "/", 405, "application/json", `{"message":"Method Not Allowed"}` + "\n", allow, false},
		{"DELETE", "/healthz", 405, "application/json", `{"message":"Method Not Allowed"}` + "\n", allow, false},
		{"PATCH", "/readyz", 405, "application/json", `{"message":"Method Not Allowed"}` + "\n", allow, false},
		{"POST", "/version", 405, "application/json", `{"message":"Method Not Allowed"}` + "\n", allow, false},
		{"OPTIONS", "/", 204, "", "", allow, false},
		{"GET", "/nope", 404, "application/json", `{"message":"Not Found"}` + "\n", "", false},
		{"GET", "/healthz/", 404, "application/json", `{"message":"Not Found"}` + "\n", "", false},
		{"GET", "/index.html", 404, "application/json", `{"message":"Not Found"}` + "\n", "", false},
		{"POST", "/nope", 404, "application/json", `{"message":"Not Found"}` + "\n", "", false},
		{"HEAD", "/nope", 404, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := do(t, tt.method, srv.url+tt.path, nil)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if got := resp.Header.Get("Cache-Control") == "no-store"; got != tt.noStore {
				t.Errorf("Cache-Control = %q, want no-store: %v", resp.Header.Get("Cache-Control"), tt.noStore)
			}
			if id := resp.Header.Get(HeaderRequestID); !requestid.Valid(id) {
				t.Errorf("X-Request-Id = %q, not a valid id", id)
			}
		})
	}

	t.Run("HEAD / announces the GET body length", func(t *testing.T) {
		resp, _ := do(t, "HEAD", srv.url+"/", nil)
		if resp.ContentLength != int64(len(Greeting)) {
			t.Errorf("Content-Length = %d, want %d", resp.ContentLength, len(Greeting))
		}
	})
}

func TestRequestID(t *testing.T) {
	srv := start(t, testConfig(), nil)
	tests := []struct {
		name     string
		incoming []string
		keep     bool
	}{
		{"none", nil, false},
		{"uuid kept", []string{"3b241101-e2bb-4255-8caf-4136c566a962"}, true},
		{"first of several kept", []string{"first-id", "second-id"}, true},
		{"empty replaced", []string{""}, false},
		{"space replaced", []string{"a b"}, false},
		{"quote replaced", []string{`a"b`}, false},
		{"too long replaced", []string{strings.Repeat("a", requestid.MaxLen+1)}, false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.incoming != nil {
				h[HeaderRequestID] = tt.incoming
			}
			resp, _ := do(t, "GET", srv.url+"/", h)
			got := resp.Header.Values(HeaderRequestID)
			if len(got) != 1 {
				t.Fatalf("response has %d X-Request-Id headers, want 1", len(got))
			}
			if tt.keep {
				if got[0] != tt.incoming[0] {
					t.Errorf("X-Request-Id = %q, want the incoming %q", got[0], tt.incoming[0])
				}
				return
			}
			if !requestid.Valid(got[0]) || seen[got[0]] {
				t.Errorf("generated X-Request-Id %q is invalid or repeated", got[0])
			}
			seen[got[0]] = true
		})
	}
}

func TestAccessLog(t *testing.T) {
	srv := start(t, testConfig(), func(e *echo.Echo) {
		e.GET("/boom", func(echo.Context) error { panic("boom") })
	})
	requests := []struct {
		method, path string
		status       int
		bytesOut     float64 // set below: what the client received
	}{
		{"GET", "/", 200, 0},
		{"HEAD", "/", 200, 0},
		{"GET", "/missing", 404, 0},
		{"DELETE", "/", 405, 0},
		{"GET", "/boom", 500, 0},
	}
	var ids []string
	for i, r := range requests {
		raw, resp := rawExchange(t, srv.addr, r.method+" "+r.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		ids = append(ids, resp.Header.Get(HeaderRequestID))
		requests[i].bytesOut = float64(len(raw)) // bytes_out counts what reached the connection
	}

	// A line is written once its connection has taken the response, which
	// may be just after the client read it: wait for them, and match them
	// by request id, as connections need not close in order.
	var lines []map[string]any
	for deadline := time.Now().Add(safeTimeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if lines = withMsg(srv.logs.records(t), "request"); len(lines) >= len(requests) {
			break
		}
	}
	if len(lines) != len(requests) {
		t.Fatalf("got %d access log lines, want %d", len(lines), len(requests))
	}
	byID := map[any]map[string]any{}
	for _, l := range lines {
		byID[l["request_id"]] = l
	}
	for i, r := range requests {
		l := byID[ids[i]]
		want := map[string]any{
			"level": "INFO", "method": r.method, "path": r.path, "status": float64(r.status),
			"bytes_out": r.bytesOut, "request_id": ids[i], "client_ip": "127.0.0.1",
		}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("line %d: %s = %v, want %v (line %v)", i, k, l[k], v, l)
			}
		}
		if lat, ok := l["latency"].(float64); !ok || lat < 0 {
			t.Errorf("line %d: latency = %v, want a non-negative number of nanoseconds", i, l["latency"])
		}
		if ts, ok := l["time"].(string); !ok {
			t.Errorf("line %d: no time", i)
		} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("line %d: time %q: %v", i, ts, err)
		}
		if len(l) != 10 {
			t.Errorf("line %d has %d fields, want 10: %v", i, len(l), l)
		}
	}
}

// rawExchange sends request on a new connection and returns every byte the
// server sent until it closed the connection, and the response they hold.
func rawExchange(t *testing.T, addr, request string) ([]byte, *http.Response) {
	t.Helper()
	conn := dialRaw(t, addr)
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return raw, resp
}

func TestAccessLogOff(t *testing.T) {
	cfg := testConfig()
	cfg.AccessLog = nil
	srv := start(t, cfg, nil)
	do(t, "GET", srv.url+"/", nil)
	do(t, "GET", srv.url+"/missing", nil)
	recs := srv.logs.records(t)
	if n := len(withMsg(recs, "request")); n != 0 {
		t.Errorf("%d access log lines with the access log off", n)
	}
	if n := len(withMsg(recs, "server started")); n != 1 {
		t.Errorf("%d 'server started' lines, want 1", n)
	}
}

func TestServerLogs(t *testing.T) {
	srv := start(t, testConfig(), nil)
	srv.stop()
	if err := srv.wait(t); err != nil {
		t.Fatalf("Serve() = %v, want nil", err)
	}
	recs := srv.logs.records(t)
	started := withMsg(recs, "server started")
	if len(started) != 1 || started[0]["addr"] != srv.addr || started[0]["version"] != "v1.2.3" {
		t.Errorf("start records = %v, want one with addr %s and version v1.2.3", started, srv.addr)
	}
	for _, msg := range []string{"shutdown started", "server stopped"} {
		if len(withMsg(recs, msg)) != 1 {
			t.Errorf("no %q record in %v", msg, recs)
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	srv := start(t, testConfig(), func(e *echo.Echo) {
		e.GET("/boom", func(echo.Context) error { panic("secret internal detail") })
		e.GET("/fail", func(echo.Context) error { return errors.New("another secret") })
	})
	for _, path := range []string{"/boom", "/fail"} {
		resp, body := do(t, "GET", srv.url+path, nil)
		if resp.StatusCode != 500 || body != `{"message":"Internal Server Error"}`+"\n" {
			t.Errorf("GET %s = %d %q, want 500 with a generic body", path, resp.StatusCode, body)
		}
		if resp.Header.Get(HeaderRequestID) == "" {
			t.Errorf("GET %s: no request id on the error response", path)
		}
		// The server keeps serving.
		if resp, body := do(t, "GET", srv.url+"/", nil); resp.StatusCode != 200 || body != Greeting {
			t.Errorf("GET / after %s = %d %q", path, resp.StatusCode, body)
		}
	}

	recs := srv.logs.records(t)
	panics := withMsg(recs, "panic recovered")
	if len(panics) != 1 {
		t.Fatalf("got %d 'panic recovered' records, want 1", len(panics))
	}
	p := panics[0]
	if p["level"] != "ERROR" || p["error"] != "secret internal detail" || p["path"] != "/boom" ||
		!strings.Contains(p["stack"].(string), "goroutine") || p["request_id"] == "" {
		t.Errorf("panic record lacks level, error, path, request id or stack: %v", p)
	}
	if fails := withMsg(recs, "request failed"); len(fails) != 1 || fails[0]["error"] != "another secret" {
		t.Errorf("'request failed' records = %v, want one for /fail", fails)
	}
}

func TestEchoWarningsGoToTheLog(t *testing.T) {
	srv := start(t, testConfig(), func(e *echo.Echo) {
		e.GET("/twice", func(c echo.Context) error {
			c.Response().WriteHeader(200)
			c.Response().WriteHeader(500)
			return nil
		})
	})
	do(t, "GET", srv.url+"/twice", nil)
	warns := withMsg(srv.logs.records(t), "echo")
	if len(warns) != 1 || warns[0]["level"] != "WARN" ||
		!strings.Contains(warns[0]["detail"].(string), "response already committed") {
		t.Errorf("echo warning records = %v, want one 'response already committed'", warns)
	}
}

func TestOversizedHeaders(t *testing.T) {
	cfg := testConfig()
	cfg.MaxHeaderBytes = 1024
	srv := start(t, cfg, nil)

	// net/http allows MaxHeaderBytes plus 4096 bytes of slack.
	small := http.Header{"X-Pad": {strings.Repeat("a", 512)}}
	if resp, _ := do(t, "GET", srv.url+"/", small); resp.StatusCode != 200 {
		t.Errorf("512-byte header: status %d, want 200", resp.StatusCode)
	}
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(safeTimeout))
	go io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: "+strings.Repeat("a", 8<<10)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("8 KiB header: status %d, want 431", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", srv.url+"/", nil); resp.StatusCode != 200 {
		t.Errorf("after a 431: status %d, want 200", resp.StatusCode)
	}
}

func TestHTTPServerSettings(t *testing.T) {
	cfg := testConfig()
	cfg.ReadHeaderTimeout, cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout = 1*time.Second, 2*time.Second, 3*time.Second, 4*time.Second
	cfg.MaxHeaderBytes = 5000
	s, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h := s.http
	if h.ReadHeaderTimeout != time.Second || h.ReadTimeout != 2*time.Second || h.WriteTimeout != 3*time.Second ||
		h.IdleTimeout != 4*time.Second || h.MaxHeaderBytes != 5000 || h.ErrorLog == nil {
		t.Errorf("http.Server settings %+v do not match the config", h)
	}
}

func TestNewRejectsMissingLimits(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"read header timeout": func(c *Config) { c.ReadHeaderTimeout = 0 },
		"read timeout":        func(c *Config) { c.ReadTimeout = 0 },
		"write timeout":       func(c *Config) { c.WriteTimeout = 0 },
		"idle timeout":        func(c *Config) { c.IdleTimeout = 0 },
		"grace period":        func(c *Config) { c.GracePeriod = 0 },
		"max header bytes":    func(c *Config) { c.MaxHeaderBytes = 0 },
		"shutdown delay":      func(c *Config) { c.ShutdownDelay = -time.Second },
		"max connections":     func(c *Config) { c.MaxConnections = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			mutate(&cfg)
			if _, err := New(cfg, slog.New(slog.DiscardHandler)); err == nil {
				t.Error("New() accepted the config")
			}
		})
	}
}

func TestReadHeaderTimeoutCutsSlowClients(t *testing.T) {
	cfg := testConfig()
	cfg.ReadHeaderTimeout = 300 * time.Millisecond
	srv := start(t, cfg, nil)

	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(safeTimeout))
	got, err := io.ReadAll(conn) // until the server closes the connection
	if err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
	// net/http closes the connection, at most with an error status.
	if len(got) != 0 && !strings.HasPrefix(string(got), "HTTP/1.1 4") {
		t.Errorf("server answered incomplete headers with %q", got)
	}
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := testConfig()
	cfg.Addr = ln.Addr().String()
	logs := &syncBuffer{}
	s, err := New(cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "listen on "+cfg.Addr) {
		t.Errorf("Run() on a busy port = %v, want a listen error", err)
	}
	if len(withMsg(logs.records(t), "cannot listen")) != 1 {
		t.Error("no 'cannot listen' record")
	}
}

func TestClientIP(t *testing.T) {
	prefixes := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, p := range s {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out
	}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"direct", nil, "192.0.2.1:1234", nil, "192.0.2.1"},
		{"XFF ignored without trusted proxies", nil, "192.0.2.1:1234", []string{"203.0.113.9"}, "192.0.2.1"},
		{"XFF ignored from a private peer", nil, "10.0.0.1:1234", []string{"203.0.113.9"}, "10.0.0.1"},
		{"XFF from trusted proxy", prefixes("10.0.0.0/8"), "10.0.0.1:1234", []string{"203.0.113.9"}, "203.0.113.9"},
		{"XFF from untrusted peer", prefixes("10.0.0.0/8"), "192.0.2.1:1234", []string{"203.0.113.9"}, "192.0.2.1"},
		{"chain stops at first untrusted", prefixes("10.0.0.0/8"), "10.0.0.1:1234", []string{"198.51.100.7, 203.0.113.9, 10.0.0.2"}, "203.0.113.9"},
		{"several XFF headers", prefixes("10.0.0.0/8"), "10.0.0.1:1234", []string{"198.51.100.7", "203.0.113.9"}, "203.0.113.9"},
		{"garbage in XFF", prefixes("10.0.0.0/8"), "10.0.0.1:1234", []string{"not-an-ip"}, "10.0.0.1"},
		{"IPv6 proxy", prefixes("2001:db8::/32"), "[2001:db8::1]:1234", []string{"2001:db8:ffff::1, 198.51.100.7"}, "198.51.100.7"},
		{"single trusted address", prefixes("192.0.2.1/32"), "192.0.2.1:1234", []string{"198.51.100.7"}, "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.peer
			if tt.xff != nil {
				req.Header["X-Forwarded-For"] = tt.xff
			}
			if got := ipExtractor(tt.trusted)(req); got != tt.want {
				t.Errorf("client IP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientIPInAccessLog(t *testing.T) {
	cfg := testConfig()
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	srv := start(t, cfg, nil)
	do(t, "GET", srv.url+"/", http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	waitForAccessLine(t, srv, "/")
	lines := withMsg(srv.logs.records(t), "request")
	if len(lines) != 1 || lines[0]["client_ip"] != "203.0.113.9" {
		t.Errorf("access log = %v, want client_ip 203.0.113.9", lines)
	}
}

// TestSpoofedForwardedForIsIgnored holds the condition under which
// tools/vuln/accepted.json accepts GO-2026-6872 (echo v4 trusts a spoofed
// X-Forwarded-For by default): with no trusted proxies configured, neither
// X-Forwarded-For nor X-Real-IP changes the client IP the server sees.
func TestSpoofedForwardedForIsIgnored(t *testing.T) {
	srv := start(t, testConfig(), nil)
	do(t, "GET", srv.url+"/", http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Real-Ip": {"198.51.100.7"}})
	waitForAccessLine(t, srv, "/")
	lines := withMsg(srv.logs.records(t), "request")
	if len(lines) != 1 || lines[0]["client_ip"] != "127.0.0.1" {
		t.Errorf("access log = %v, want client_ip 127.0.0.1 (the peer)", lines)
	}
}

// slowRoute registers GET /slow, which reports on started when it runs and
// answers once release is closed.
func slowRoute(started chan<- struct{}, release <-chan struct{}) func(*echo.Echo) {
	return func(e *echo.Echo) {
		e.GET("/slow", func(c echo.Context) error {
			started <- struct{}{}
			<-release
			return c.String(http.StatusOK, "slow done")
		})
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	srv := start(t, testConfig(), slowRoute(started, release))

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := client.Get(srv.url + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{resp.StatusCode, string(b), err}
	}()
	<-started
	srv.stop()

	// Wait until the listener is closed: shutdown is under way with the
	// request still in its handler.
	deadline := time.Now().Add(safeTimeout)
	for {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Ready() {
		t.Error("still ready during shutdown")
	}
	close(release)

	r := <-res
	if r.err != nil || r.status != 200 || r.body != "slow done" {
		t.Errorf("in-flight request = %d %q %v, want 200 \"slow done\"", r.status, r.body, r.err)
	}
	if err := srv.wait(t); err != nil {
		t.Errorf("Serve() = %v, want nil after a clean drain", err)
	}
}

func TestReadyzTurns503DuringShutdownDelay(t *testing.T) {
	cfg := testConfig()
	cfg.ShutdownDelay = 3 * time.Second
	srv := start(t, cfg, nil)
	if resp, _ := do(t, "GET", srv.url+"/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("/readyz before shutdown = %d, want 200", resp.StatusCode)
	}
	srv.stop()
	var resp *http.Response
	var body string
	for deadline := time.Now().Add(safeTimeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, body = do(t, "GET", srv.url+"/readyz", nil)
		if resp.StatusCode != 200 {
			break
		}
	}
	if resp.StatusCode != 503 || body != `{"status":"shutting down"}`+"\n" {
		t.Errorf("/readyz during shutdown = %d %q, want 503", resp.StatusCode, body)
	}
	if !resp.Close {
		t.Error("response during the shutdown delay does not close the connection")
	}
	// The rest still works during the delay.
	if resp, _ := do(t, "GET", srv.url+"/", nil); resp.StatusCode != 200 {
		t.Errorf("GET / during the shutdown delay = %d, want 200", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", srv.url+"/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz during the shutdown delay = %d, want 200", resp.StatusCode)
	}
	if err := srv.wait(t); err != nil {
		t.Errorf("Serve() = %v, want nil", err)
	}
}

func TestGracePeriodExpiry(t *testing.T) {
	cfg := testConfig()
	cfg.GracePeriod = 200 * time.Millisecond
	started, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	srv := start(t, cfg, slowRoute(started, release))

	errc := make(chan error, 1)
	go func() {
		resp, err := client.Get(srv.url + "/slow")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	srv.stop()
	err := srv.wait(t)
	if err == nil || !strings.Contains(err.Error(), "grace period") {
		t.Errorf("Serve() = %v, want a grace period error", err)
	}
	if err := <-errc; err == nil {
		t.Error("the request cut at the end of the grace period did not fail")
	}
	recs := srv.logs.records(t)
	if r := withMsg(recs, "grace period expired, requests cut off"); len(r) != 1 || r[0]["cut_off"] != 1.0 {
		t.Errorf("records of the expired grace period: %v", r)
	}
	if r := withMsg(recs, "request cut off at shutdown"); len(r) != 1 || r[0]["path"] != "/slow" || r[0]["method"] != "GET" {
		t.Errorf("records of the cut request: %v", r)
	}
}

// keepAliveClient sends GET / over one connection after another, each kept
// alive until the server closes it, until no connection can be opened. It
// counts the answered requests and the sent ones that got no answer.
// keepAliveClient sends requests over keep-alive connections until the
// listener closes. A request counts as lost when it got no full answer
// although it had been sent before shutdown began (stopping was still
// false when its write returned: on loopback its bytes had then arrived). A
// request sent later on a connection that was idle may find it closed: the
// server promises nothing for it, and a client must retry it.
func keepAliveClient(addr string, stopping *atomic.Bool, answered, lost, late *atomic.Int64) {
	const request = "GET / HTTP/1.1\r\nHost: hello\r\n\r\n"
	for {
		c, err := net.DialTimeout("tcp", addr, safeTimeout)
		if err != nil {
			return // the listener is closed: nothing was sent
		}
		c.SetDeadline(time.Now().Add(safeTimeout))
		br := bufio.NewReader(c)
		for {
			_, err := io.WriteString(c, request)
			failed := lost
			if stopping.Load() {
				failed = late
			}
			if err != nil {
				failed.Add(1)
				break
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				failed.Add(1)
				break
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				failed.Add(1)
				break
			}
			answered.Add(1)
			if resp.Close {
				break
			}
		}
		c.Close()
	}
}

func TestShutdownUnderKeepAliveLoadLosesNoRequest(t *testing.T) {
	cfg := testConfig()
	cfg.AccessLog = nil
	srv := start(t, cfg, nil)

	const clients = 32
	var stopping atomic.Bool
	var answered, lost, late atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() { keepAliveClient(srv.addr, &stopping, &answered, &lost, &late) })
	}
	for deadline := time.Now().Add(safeTimeout); answered.Load() < 2000; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests answered before shutdown", answered.Load())
		}
	}
	stopping.Store(true)
	srv.stop()
	if err := srv.wait(t); err != nil {
		t.Errorf("Serve() = %v, want nil after a clean drain", err)
	}
	wg.Wait()
	t.Logf("%d answered; %d sent after shutdown began found their idle connection closed", answered.Load(), late.Load())
	if n := lost.Load(); n != 0 {
		t.Errorf("%d of %d requests sent before shutdown began got no answer", n, n+answered.Load())
	}
}
