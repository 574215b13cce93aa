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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/deploy/swarmresult"
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
	c := newClient(options{target: u, rate: 100, timeout: 2 * time.Second, body: greeting, bucket: 100 * time.Millisecond, resolve: time.Second}, s)
	c.lookup = func(context.Context, string) ([]string, error) { return ips, nil }
	if !c.refresh(context.Background()) {
		t.Fatal("refresh failed")
	}
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
	var sum swarmresult.Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout.String(), err)
	}
	// 100/s for 0.5 s: about 50; a loaded machine may manage fewer.
	if sum.Sent < 10 || sum.Sent > 60 || sum.OK != sum.Sent || sum.Failed != 0 {
		t.Errorf("sent %d ok %d failed %d: want about 50, all ok", sum.Sent, sum.OK, sum.Failed)
	}
	if sum.Resolutions.Count < 1 || sum.Resolutions.Errors != 0 {
		t.Errorf("resolutions %+v: want at least one, no error", sum.Resolutions)
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
		{"-resolve-every", "0s"},
		{"extra"},
		{"-nope"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2, nothing, a message", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestRoundRobin: requests take the resolved addresses in turn.
func TestRoundRobin(t *testing.T) {
	port := serve(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, greeting) })
	// Two names for one server: 127.0.0.1 and, through the same listener
	// on 127.0.0.1 only, a second entry that refuses (127.0.0.4).
	c, s := testClient(t, port, "127.0.0.1", "127.0.0.4")
	for range 4 {
		c.once(time.Now())
	}
	sum := s.summary()
	// Requests 1 and 3 start at 127.0.0.1; 2 and 4 at 127.0.0.4, refused,
	// then 127.0.0.1.
	if sum.OK != 4 || sum.Fallbacks != 2 {
		t.Errorf("ok %d, fallbacks %d; want 4 and 2 (round-robin)", sum.OK, sum.Fallbacks)
	}
}

// TestUnresolved: before any answer, requests fail and say why.
func TestUnresolved(t *testing.T) {
	u, _ := url.Parse("http://hello/")
	s := newStats(time.Second)
	c := newClient(options{target: u, rate: 1, timeout: time.Second, body: greeting, bucket: time.Second, resolve: time.Second}, s)
	c.once(time.Now())
	if sum := s.summary(); sum.Failed != 1 || !strings.Contains(sum.Failures[0].Error, "not resolved") {
		t.Errorf("summary %+v: want one failure, not resolved", sum)
	}
}

func TestPartialDeadline(t *testing.T) {
	tests := []struct {
		left  time.Duration
		addrs int
		want  time.Duration
	}{
		{9 * time.Second, 3, 3 * time.Second},
		{5 * time.Second, 3, 2 * time.Second}, // 1.67 s, raised to the minimum
		{time.Second, 3, time.Second},         // less than the minimum left: all of it
		{5 * time.Second, 1, 5 * time.Second},
	}
	for _, tt := range tests {
		got := time.Until(partialDeadline(time.Now().Add(tt.left), tt.addrs))
		if d := got - tt.want; d > 50*time.Millisecond || d < -50*time.Millisecond {
			t.Errorf("%v left, %d addresses: attempt gets %v, want %v", tt.left, tt.addrs, got, tt.want)
		}
	}
}

// blackHole listens on 127.0.0.5:port with a backlog of 0 and never
// accepts; once its queue is full, the kernel drops further SYNs, so a
// connection attempt gets no answer at all, like one to a container whose
// network is gone.
func blackHole(t *testing.T, port string) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	p, _ := strconv.Atoi(port)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: p, Addr: [4]byte{127, 0, 0, 5}}); err != nil {
		t.Skipf("binding 127.0.0.5:%s: %v", port, err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	// Fill the queue: these connections complete, the next ones hang.
	for range 3 {
		conn, err := net.DialTimeout("tcp", "127.0.0.5:"+port, 200*time.Millisecond)
		if err != nil {
			return // full already
		}
		t.Cleanup(func() { conn.Close() })
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.5:"+port, 300*time.Millisecond)
	if err == nil {
		conn.Close()
		t.Skip("the kernel still accepts connections to a full queue: no black hole to test with")
	}
}

// TestUnansweredAddress: an address that never answers costs its share of
// the timeout, then the next one answers the request.
func TestUnansweredAddress(t *testing.T) {
	port := serve(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, greeting) })
	blackHole(t, port)
	c, s := testClient(t, port, "127.0.0.5", "127.0.0.1")
	c.o.timeout = 5 * time.Second
	c.http.Timeout = 5 * time.Second
	t0 := time.Now()
	c.once(time.Now())
	sum := s.summary()
	if sum.OK != 1 || sum.Fallbacks != 1 {
		t.Fatalf("ok %d, fallbacks %d (%v), failures %v; want the second address to answer", sum.OK, sum.Fallbacks, sum.FallbackErrors, sum.Failures)
	}
	if took := time.Since(t0); took < time.Second {
		t.Errorf("took %v: the first address answered after all?", took)
	}
}
