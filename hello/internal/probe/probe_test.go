package probe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDialTargets(t *testing.T) {
	tests := []struct {
		listen  string
		want    []string
		wantErr bool
	}{
		{listen: ":80", want: []string{"127.0.0.1:80", "[::1]:80"}},
		{listen: ":8080", want: []string{"127.0.0.1:8080", "[::1]:8080"}},
		{listen: "0.0.0.0:80", want: []string{"127.0.0.1:80", "[::1]:80"}},
		{listen: "[::]:80", want: []string{"[::1]:80", "127.0.0.1:80"}},
		{listen: "[0:0::0]:80", want: []string{"[::1]:80", "127.0.0.1:80"}},
		{listen: "[::ffff:0.0.0.0]:80", want: []string{"127.0.0.1:80", "[::1]:80"}},
		{listen: "127.0.0.1:9000", want: []string{"127.0.0.1:9000"}},
		{listen: "192.0.2.7:80", want: []string{"192.0.2.7:80"}},
		{listen: "[::1]:80", want: []string{"[::1]:80"}},
		{listen: "[fe80::1%eth0]:80", want: []string{"[fe80::1%eth0]:80"}},
		{listen: "localhost:80", want: []string{"localhost:80"}},
		{listen: "example.com:443", want: []string{"example.com:443"}},
		{listen: ":0", wantErr: true},
		{listen: "[::]:0", wantErr: true},
		{listen: ":65536", wantErr: true},
		{listen: ":http", wantErr: true},
		{listen: "localhost", wantErr: true},
		{listen: "", wantErr: true},
		{listen: "[::1:80", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			got, err := DialTargets(tt.listen)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DialTargets(%q) error = %v, wantErr %v", tt.listen, err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("DialTargets(%q) = %q, want %q", tt.listen, got, tt.want)
			}
		})
	}
}

func TestParseStatusLine(t *testing.T) {
	tests := []struct {
		line string
		want int // 0: error
	}{
		{"HTTP/1.1 200 OK\r\n", 200},
		{"HTTP/1.0 503 Service Unavailable\r\n", 503},
		{"HTTP/1.1 404 Not Found\n", 404},
		{"HTTP/1.1 200\r\n", 200},
		{"HTTP/1.1 200 \r\n", 200},
		{"HTTP/1.1 200", 200},
		{"HTTP/1.1 599 Whatever\tthis is\r\n", 599},
		{"HTTP/1.1 100 Continue\r\n", 100},
		{"HTTP/2 200\r\n", 0},
		{"HTTP/1.1 600 Nope\r\n", 0},
		{"HTTP/1.1 099 Nope\r\n", 0},
		{"HTTP/1.1 20 OK\r\n", 0},
		{"HTTP/1.1 2000 OK\r\n", 0},
		{"HTTP/1.1  200 OK\r\n", 0},
		{"HTTP/1.1 2x0 OK\r\n", 0},
		{"HTTP/1.x 200 OK\r\n", 0},
		{"http/1.1 200 OK\r\n", 0},
		{"HTTP/1.1 200 O\x00K\r\n", 0},
		{"HTTP/1.1 200 OK\r\r\n", 0},
		{"SSH-2.0-OpenSSH_9.6\r\n", 0},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseStatusLine([]byte(tt.line))
			if tt.want == 0 {
				if !errors.Is(err, ErrBadStatusLine) {
					t.Errorf("ParseStatusLine(%q) = %d, %v; want ErrBadStatusLine", tt.line, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseStatusLine(%q) = %d, %v; want %d", tt.line, got, err, tt.want)
			}
		})
	}
}

func TestReadStatus(t *testing.T) {
	tests := []struct {
		name, in string
		want     int
		wantErr  string
	}{
		{"full response", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, ""},
		{"status only", "HTTP/1.1 503 Service Unavailable\r\n", 503, ""},
		{"empty", "", 0, "EOF"},
		{"cut short", "HTTP/1.1 200 O", 0, "cut short"},
		{"too long", "HTTP/1.1 200 " + strings.Repeat("x", maxStatusLine) + "\r\n", 0, "longer than"},
		{"garbage", "hello\n", 0, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadStatus(bufio.NewReaderSize(strings.NewReader(tt.in), maxStatusLine))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ReadStatus() = %d, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ReadStatus() = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

// listenAddr returns the address of a server as a listen address.
func listenAddr(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestHealthy(t *testing.T) {
	var gotReq *http.Request
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		gotReq = r
		w.Write([]byte("ok"))
	})
	healthy := httptest.NewServer(mux)
	defer healthy.Close()

	if err := Healthy(context.Background(), listenAddr(t, healthy), 10*time.Second); err != nil {
		t.Fatalf("Healthy() against a 200 server: %v", err)
	}
	if gotReq.Method != "GET" || gotReq.URL.Path != "/healthz" || gotReq.Host != listenAddr(t, healthy) ||
		gotReq.UserAgent() != "hello-healthcheck" || !gotReq.Close {
		t.Errorf("unexpected probe request: %s %s host=%q ua=%q close=%v",
			gotReq.Method, gotReq.URL, gotReq.Host, gotReq.UserAgent(), gotReq.Close)
	}

	// The unspecified-host form a server is configured with works too.
	_, port, _ := net.SplitHostPort(listenAddr(t, healthy))
	if err := Healthy(context.Background(), ":"+port, 10*time.Second); err != nil {
		t.Errorf("Healthy(%q): %v", ":"+port, err)
	}
}

// healthzServer serves GET /healthz with status on a listener of network
// ("tcp4" or "tcp6") on loopback and returns its port, or skips the test
// when that loopback is missing.
func healthzServer(t *testing.T, network string, status int) string {
	t.Helper()
	host := map[string]string{"tcp4": "127.0.0.1", "tcp6": "[::1]"}[network]
	ln, err := net.Listen(network, host+":0")
	if err != nil {
		t.Skipf("no %s loopback: %v", network, err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// TestHealthyWildcardOnEitherLoopback: a server configured with a
// wildcard address is healthy when it answers on one loopback only, as it
// does where the other is missing (no IPv6 loopback in a container).
func TestHealthyWildcardOnEitherLoopback(t *testing.T) {
	for _, tt := range []struct{ network, listen string }{
		{"tcp4", "[::]"}, {"tcp4", ""}, {"tcp4", "0.0.0.0"},
		{"tcp6", "0.0.0.0"}, {"tcp6", ""}, {"tcp6", "[::]"},
	} {
		t.Run(tt.network+" only, configured "+tt.listen+":P", func(t *testing.T) {
			port := healthzServer(t, tt.network, http.StatusOK)
			if err := Healthy(context.Background(), tt.listen+":"+port, 10*time.Second); err != nil {
				t.Errorf("Healthy(%q) with a server on %s loopback only: %v", tt.listen+":"+port, tt.network, err)
			}
		})
	}
}

// TestHealthyWildcardWaitsForA200: a non-200 on one loopback does not make
// the check fail while the other may still answer 200, and two failures
// are both reported.
func TestHealthyWildcardWaitsForA200(t *testing.T) {
	port := healthzServer(t, "tcp4", http.StatusOK)
	ln, err := net.Listen("tcp6", "[::1]:"+port)
	if err != nil {
		t.Skipf("cannot listen on [::1]:%s: %v", port, err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	if err := Healthy(context.Background(), "[::]:"+port, 10*time.Second); err != nil {
		t.Errorf("Healthy() with 503 on [::1] and 200 on 127.0.0.1: %v", err)
	}

	unavailable := healthzServer(t, "tcp4", http.StatusServiceUnavailable)
	err = Healthy(context.Background(), ":"+unavailable, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:"+unavailable+"/healthz: status 503") ||
		!strings.Contains(err.Error(), "http://[::1]:"+unavailable+"/healthz") {
		t.Errorf("Healthy(:%s) = %v, want the errors of both loopbacks", unavailable, err)
	}
}

// TestHealthyWildcardTimeoutBoundsTheWhole: a silent server on one
// loopback and nothing on the other fail within the one timeout.
func TestHealthyWildcardTimeoutBoundsTheWhole(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	addr := rawServer(t, func(c net.Conn) { <-release })
	_, port, _ := net.SplitHostPort(addr)
	start := time.Now()
	err := Healthy(context.Background(), "[::]:"+port, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:"+port+": i/o timeout") {
		t.Errorf("Healthy() against a silent server = %v, want a timeout on 127.0.0.1", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Healthy() took %v despite a 300ms timeout", elapsed)
	}
}

func TestUnhealthy(t *testing.T) {
	status := func(code int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
		}))
	}
	for _, code := range []int{http.StatusServiceUnavailable, http.StatusNotFound, http.StatusInternalServerError, http.StatusNoContent, http.StatusMovedPermanently} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			srv := status(code)
			defer srv.Close()
			err := Healthy(context.Background(), listenAddr(t, srv), 10*time.Second)
			if err == nil || !strings.Contains(err.Error(), "status") {
				t.Errorf("Healthy() against a %d server = %v, want a status error", code, err)
			}
		})
	}

	t.Run("nothing listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if err := Healthy(context.Background(), addr, 10*time.Second); err == nil {
			t.Error("Healthy() against a closed port succeeded")
		}
	})

	t.Run("not HTTP", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") })
		err := Healthy(context.Background(), addr, 10*time.Second)
		if !errors.Is(err, ErrBadStatusLine) {
			t.Errorf("Healthy() against a non-HTTP server = %v, want ErrBadStatusLine", err)
		}
	})

	t.Run("silent server hits the timeout", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		addr := rawServer(t, func(c net.Conn) { <-release })
		start := time.Now()
		err := Healthy(context.Background(), addr, 200*time.Millisecond)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Healthy() against a silent server = %v, want a timeout", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("Healthy() took %v despite a 200ms timeout", elapsed)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		addr := rawServer(t, func(c net.Conn) { <-release })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		if err := Healthy(ctx, addr, time.Minute); err == nil {
			t.Error("Healthy() succeeded after cancellation")
		}
	})

	t.Run("bad listen address", func(t *testing.T) {
		if err := Healthy(context.Background(), ":0", time.Second); err == nil {
			t.Error("Healthy(:0) succeeded")
		}
	})
}

// rawServer accepts connections on loopback and hands each to serve, then
// closes it. It returns the listen address.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func FuzzReadStatus(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 503 Service Unavailable\r\n", "HTTP/1.1 200\n",
		"HTTP/1.1 99 x\r\n", "", "\n", "HTTP/1.", strings.Repeat("A", 600),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		code, err := ReadStatus(bufio.NewReaderSize(strings.NewReader(string(data)), maxStatusLine))
		if err != nil {
			if code != 0 {
				t.Fatalf("code %d with error %v", code, err)
			}
			return
		}
		if code < 100 || code > 599 {
			t.Fatalf("ReadStatus(%q) = %d, outside 100..599", data, code)
		}
		if !strings.HasPrefix(string(data), "HTTP/1.") {
			t.Fatalf("ReadStatus(%q) accepted a line not starting with HTTP/1.", data)
		}
		// net/http's own reader must agree on the code.
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(data))), nil)
		if err == nil && resp.StatusCode != code {
			t.Fatalf("ReadStatus(%q) = %d, net/http says %d", data, code, resp.StatusCode)
		}
	})
}

func FuzzDialTargets(f *testing.F) {
	for _, s := range []string{":80", "0.0.0.0:8080", "[::]:80", "127.0.0.1:1", "localhost:80", ":0", "[::1", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, listen string) {
		got, err := DialTargets(listen)
		if err != nil {
			return
		}
		if len(got) != 1 && len(got) != 2 {
			t.Fatalf("DialTargets(%q) = %q: want one or two addresses", listen, got)
		}
		lhost, lport, _ := net.SplitHostPort(listen)
		for _, addr := range got {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Fatalf("DialTargets(%q) gave %q, which does not split: %v", listen, addr, err)
			}
			if port != lport {
				t.Fatalf("DialTargets(%q) gave %q: the port changed", listen, addr)
			}
			if host != lhost && host != "127.0.0.1" && host != "::1" {
				t.Fatalf("DialTargets(%q) gave %q: the host changed to a non-loopback one", listen, addr)
			}
			if host == "" || host == "0.0.0.0" || host == "::" {
				t.Fatalf("DialTargets(%q) gave %q, which is not dialable", listen, addr)
			}
		}
	})
}
