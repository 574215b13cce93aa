package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/logsink"
)

// The benchmarks measure GET / through the full middleware stack, with the
// access log on and off. Logs go to /dev/null through a real file, so each
// line costs its write system call, as on a container's stdout. The
// comparison with the seed's server is not here: the seed is a program of
// its own (bench/baseline/seedserver), measured against hello's binary by
// the bench module (make bench, bench/scripts/hello-callgrind.sh).
//
//	go test -run '^$' -bench . -benchtime 2s -count 5 ./internal/server

// Access log modes of the benchmarks.
const (
	logOff        = "access-log=off"
	logOn         = "access-log=on"            // as main sets it up: through a logsink
	logUnbuffered = "access-log=on,unbuffered" // one write system call per line
)

// benchServer returns a Server logging to /dev/null as mode says.
func benchServer(b *testing.B, mode string) *Server {
	b.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	sink := logsink.New(devnull, logsink.Options{})
	b.Cleanup(func() {
		sink.Close(time.Second)
		devnull.Close()
	})
	cfg := testConfig()
	switch mode {
	case logOff:
		cfg.AccessLog = nil
	case logOn:
		cfg.AccessLog = jsonlog.New(sink.Lines())
	case logUnbuffered:
		cfg.AccessLog = jsonlog.New(devnull)
	}
	s, err := New(cfg, slog.New(slog.NewJSONHandler(sink.Events(), nil)))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchWriter is a reusable http.ResponseWriter that discards the body.
type benchWriter struct {
	header http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) WriteHeader(code int)        { w.status = code }
func (w *benchWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// BenchmarkHandler measures the handler alone, in process.
func BenchmarkHandler(b *testing.B) {
	for _, tc := range []struct {
		name    string
		handler func(*testing.B) http.Handler
	}{
		{logOff, func(b *testing.B) http.Handler { b.Helper(); return benchServer(b, logOff).Handler() }},
		{logOn, func(b *testing.B) http.Handler { b.Helper(); return benchServer(b, logOn).Handler() }},
		{logUnbuffered, func(b *testing.B) http.Handler { b.Helper(); return benchServer(b, logUnbuffered).Handler() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := tc.handler(b)
			req, _ := http.NewRequest("GET", "/", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			req.RequestURI = "/"
			w := &benchWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.status, w.n = 0, 0
				h.ServeHTTP(w, req)
				if w.n != len(Greeting) {
					b.Fatalf("wrote %d bytes, status %d", w.n, w.status)
				}
			}
		})
	}
}

// BenchmarkLoopback measures whole requests over loopback TCP with
// keep-alive connections, one per parallel client, as wrk does. Client and
// server share the machine, so compare the variants with each other.
func BenchmarkLoopback(b *testing.B) {
	for _, tc := range []struct {
		name  string
		serve func(*testing.B, net.Listener) (stop func())
	}{
		{logOff, serveBench(logOff)},
		{logOn, serveBench(logOn)},
		{logUnbuffered, serveBench(logUnbuffered)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			stop := tc.serve(b, ln)
			defer stop()
			addr := ln.Addr().String()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				r := bufio.NewReader(c)
				req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
				for pb.Next() {
					if _, err := c.Write(req); err != nil {
						b.Error(err)
						return
					}
					if err := readResponse(r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func serveBench(mode string) func(*testing.B, net.Listener) func() {
	return func(b *testing.B, ln net.Listener) func() {
		b.Helper()
		s := benchServer(b, mode)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, ln) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				b.Error(err)
			}
		}
	}
}

// readResponse reads one 200 response with a Content-Length body.
func readResponse(r *bufio.Reader) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("unexpected status line %q", line)
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			length, err = strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return err
			}
		}
	}
	if length != len(Greeting) {
		return fmt.Errorf("Content-Length %d", length)
	}
	_, err = r.Discard(length)
	return err
}
