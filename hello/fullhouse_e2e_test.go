package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// An attacker holds a connection the way a slow or hostile client does,
// reconnecting whenever the server closes it, until ctx ends.
type attacker func(ctx context.Context, conn net.Conn)

// trickle sends a request's headers one byte every 100 ms: it never
// completes them before the header timeout.
func trickle(ctx context.Context, conn net.Conn) {
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		return
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := io.WriteString(conn, "X"); err != nil {
				return
			}
		}
	}
}

// bodyNeverSent sends complete headers announcing a body it never sends,
// reads whatever comes back, and holds the connection.
func bodyNeverSent(ctx context.Context, conn net.Conn) {
	if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		return
	}
	go func() { <-ctx.Done(); conn.Close() }()
	_, _ = io.Copy(io.Discard, conn) // until the server or ctx closes it
}

// attack runs n attackers against addr until the test ends.
func attack(t *testing.T, addr string, n int, a attacker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				conn, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				a(ctx, conn)
				conn.Close()
			}
		})
	}
}

// TestHealthUnderAFullHouse fills the connection cap with more slow clients
// than it holds, one kind at a time: trickled headers, and bodies announced
// and never sent. Every health check (hello healthcheck, /healthz, /readyz)
// and a new normal client must be answered within 1 s, every time, and the
// server must say once that the cap was reached.
func TestHealthUnderAFullHouse(t *testing.T) {
	const limit, attackers, rounds = 50, 80, 10
	for name, a := range map[string]attacker{"trickled headers": trickle, "body never sent": bodyNeverSent} {
		t.Run(name, func(t *testing.T) {
			p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0", "-max-connections", fmt.Sprint(limit), "-access-log=false")
			attack(t, p.addr, attackers, a)
			rec := p.waitFor("connection cap reached, making room")
			if rec["max_connections"] != float64(limit) {
				t.Errorf("cap warning %v does not give the cap", rec)
			}
			time.Sleep(500 * time.Millisecond) // the attackers settle into every place
			began := time.Now()
			for i := range rounds {
				checkWithin(t, fmt.Sprintf("round %d: hello healthcheck", i), func() error {
					if code, _, stderr := runHello(t, releaseBin, nil, "healthcheck", "-addr", p.addr); code != 0 {
						return fmt.Errorf("exit %d: %s", code, stderr)
					}
					return nil
				})
				for _, path := range []string{"/healthz", "/readyz", "/"} {
					checkWithin(t, fmt.Sprintf("round %d: GET %s", i, path), func() error {
						if code, _ := get(t, p.url+path); code != 200 {
							return fmt.Errorf("status %d", code)
						}
						return nil
					})
				}
			}
			// One warning, then at most one per 10 s.
			if n, most := len(p.find("connection cap reached, making room")), 2+int(time.Since(began)/(10*time.Second)); n > most {
				t.Errorf("%d cap warnings in %v, want at most %d (rate-limited)", n, time.Since(began).Round(time.Second), most)
			}
		})
	}
}

// probeLimit is how long a probe or a new client may wait under a full
// house.
const probeLimit = time.Second

// checkWithin runs check and fails the test unless it succeeds within
// probeLimit.
func checkWithin(t *testing.T, what string, check func() error) {
	t.Helper()
	const limit = probeLimit
	start := time.Now()
	err := check()
	took := time.Since(start)
	switch {
	case err != nil:
		t.Errorf("%s: %v (after %v)", what, err, took)
	case took > limit:
		t.Errorf("%s took %v, want at most %v", what, took, limit)
	}
}

// TestFitsTheFileDescriptorLimit starts hello with `ulimit -n 64` and the
// default cap of 128: it lowers the cap to fit, says so once, and with 100
// idle clients (more than the descriptors allow) a new client and the
// health check are still answered within 1 s.
func TestFitsTheFileDescriptorLimit(t *testing.T) {
	p := startServer(t, "bash", nil, "-c", `ulimit -n 64 && exec "$0" -addr 127.0.0.1:0 -access-log=false`, releaseBin)
	rec := p.waitFor("connection cap lowered to fit the file descriptor limit")
	if rec["nofile"] != 64.0 || rec["max_connections"] != 128.0 || rec["effective"] != 32.0 {
		t.Errorf("cap record %v: want nofile 64, max_connections 128, effective 32", rec)
	}
	var clients []*client
	for i := range 100 {
		c := dial(t, p.addr)
		if _, err := c.get("/", safeTimeout); err != nil {
			t.Fatalf("idle client %d: %v", i, err)
		}
		clients = append(clients, c)
	}
	for i := range 5 {
		checkWithin(t, fmt.Sprintf("round %d: GET /healthz", i), func() error {
			if code, _ := get(t, p.url+"/healthz"); code != 200 {
				return fmt.Errorf("status %d", code)
			}
			return nil
		})
		checkWithin(t, fmt.Sprintf("round %d: hello healthcheck", i), func() error {
			if code, _, stderr := runHello(t, releaseBin, nil, "healthcheck", "-addr", p.addr); code != 0 {
				return fmt.Errorf("exit %d: %s", code, stderr)
			}
			return nil
		})
	}
	// At most the effective cap (32) of them stays open.
	var closed int
	for _, c := range clients {
		if c.closedByServer(10 * time.Millisecond) {
			closed++
		}
	}
	if closed < 100-32 {
		t.Errorf("%d of 100 idle clients closed, want at least 68 at a cap of 32", closed)
	}
}
