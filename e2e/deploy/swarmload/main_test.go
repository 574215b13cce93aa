package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const greeting = "Hello from Multi-Stage Build!"

// serve starts a server on 127.0.0.1 and returns its port.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

func testClient(t *testing.T, port string, ips ...string) (*client, *stats) {
	t.Helper()
	u, _ := url.Parse("http://hello:" + port + "/")
	s := newStats(100 * time.Millisecond)
	c := newClient(options{target: u, rate: 100, timeout: 2 * time.Second, body: greeting, bucket: 100 * time.Millisecond}, s)
	c.lookup = func(context.Context, string) ([]string, error) { return ips, nil }
	return c, s
}

func TestOnce(t *testing.T) {
	good := func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, greeting) }
	tests := []struct {
		name              string
		handler           http.HandlerFunc
		ips               []string // 127.0.0.2 refuses: nothing listens there
		ok, failed, falls int
		errPart           string
	}{
		{"answered", good, []string{"127.0.0.1"}, 1, 0, 0, ""},
		{"refused, then the next address", good, []string{"127.0.0.2", "127.0.0.1"}, 1, 0, 1, ""},
		{"every address refuses", good, []string{"127.0.0.2", "127.0.0.3"}, 0, 1, 2, "no address"},
		{"other body", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hi") }, []string{"127.0.0.1"}, 0, 1, 0, `body "hi"`},
		{"503", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, []string{"127.0.0.1"}, 0, 1, 0, "status 503"},
		{"closed without an answer", func(w http.ResponseWriter, _ *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, []string{"127.0.0.1"}, 0, 1, 0, "EOF"},
		{"body cut short", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "29")
			io.WriteString(w, "Hello")
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, []string{"127.0.0.1"}, 0, 1, 0, "reading the body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := testClient(t, serve(t, tt.handler), tt.ips...)
			c.once(time.Now())
			sum := s.summary()
			if sum.Sent != 1 || sum.OK != tt.ok || sum.Failed != tt.failed || sum.Fallbacks != tt.falls {
				t.Fatalf("sent %d ok %d failed %d fallbacks %d, want 1 %d %d %d; failures %v",
					sum.Sent, sum.OK, sum.Failed, sum.Fallbacks, tt.ok, tt.failed, tt.falls, sum.Failures)
			}
			if tt.errPart != "" && (len(sum.Failures) != 1 || !strings.Contains(sum.Failures[0].Error, tt.errPart)) {
				t.Errorf("failures %v, want one containing %q", sum.Failures, tt.errPart)
			}
			if tt.ok == 1 && sum.ByAddr["127.0.0.1"] != 1 {
				t.Errorf("by_addr %v, want 127.0.0.1 once", sum.ByAddr)
			}
		})
	}
}

// TestNoRetry: a request whose connection is closed under it is sent once.
func TestNoRetry(t *testing.T) {
	var hits atomic.Int32
	port := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	c, _ := testClient(t, port, "127.0.0.1")
	for range 3 {
		c.once(time.Now())
	}
	if n := hits.Load(); n != 3 {
		t.Errorf("server saw %d requests for 3 sent: the client retried", n)
	}
}

// TestRun sends at the given rate until the context ends, then prints a
// summary that accounts for every request.
func TestRun(t *testing.T) {
	port := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Connection") != "close" && !r.Close {
			t.Errorf("request without Connection: close: keep-alive is on")
		}
		io.WriteString(w, greeting)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-url", "http://127.0.0.1:" + port + "/", "-rate", "100"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout.String(), err)
	}
	// 100/s for 0.5 s: about 50; a loaded machine may manage fewer.
	if sum.Sent < 10 || sum.Sent > 60 || sum.OK != sum.Sent || sum.Failed != 0 {
		t.Errorf("sent %d ok %d failed %d: want about 50, all ok", sum.Sent, sum.OK, sum.Failed)
	}
	total := 0
	for _, b := range sum.Buckets {
		total += b.Sent
	}
	if total != sum.Sent {
		t.Errorf("buckets hold %d requests, summary %d", total, sum.Sent)
	}
}

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-rate", "0"},
		{"-rate", "9999"},
		{"-url", "https://hello/"},
		{"-url", "http:///x"},
		{"-timeout", "0s"},
		{"extra"},
		{"-nope"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2, nothing, a message", args, code, stdout.String(), stderr.String())
		}
	}
}
