package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-multistage/multistage/bench/internal/report"
)

// Targets of issue 11 for hello's connection cap.
const (
	idleClients        = 5000 // held open for the peak RSS row
	targetIdlePeakRSS  = 64e6 // bytes: the container limit the default cap is sized for
	capSmall           = 200  // the cap of the latency rows
	capSmallClients    = 300  // idle clients held against it
	targetCapLatency   = 100 * time.Millisecond
	capLatencyAttempts = 20
)

// connections measures hello's connection cap (item 3b): the peak memory
// with many idle keep-alive clients at the default cap, against the seed
// with no cap, and how fast a new client is answered at a small cap.
func (h *Harness) connections(ctx context.Context, s *report.Section) error {
	s.Method = fmt.Sprintf("%d keep-alive clients connect one after another, each sends `GET /`, reads the answer and stays open, "+
		"against hello with its default `-max-connections` and against the seed (no cap), both pinned as in item 2 with their "+
		"standard output to /dev/null; then VmHWM is read from /proc/PID/status, and the clients whose connection the server "+
		"closed are counted. Then hello runs with `-max-connections %d`; %d clients do the same, and %d times a new client "+
		"connects and sends `GET /healthz`, timed from dial to the complete answer (it then stays open too).",
		idleClients, capSmall, capSmallClients, capLatencyAttempts)
	stderr, err := os.Create(h.path("conns-stderr.log"))
	if err != nil {
		return err
	}
	defer stderr.Close()

	for _, spec := range []serverSpec{
		h.helloSpec("ours, default cap", h.devnull, "-access-log=false"),
		h.seedServerSpec("seed (no cap)", h.devnull),
	} {
		rss, closed, err := h.idlePeak(ctx, spec, stderr)
		if err != nil {
			return err
		}
		target, st := "", report.Info
		if strings.HasPrefix(spec.name, "ours") {
			target, st = "≤ "+mb(targetIdlePeakRSS), report.Verdict(rss <= targetIdlePeakRSS)
		}
		s.Add(fmt.Sprintf("peak RSS with %d idle keep-alive clients: %s", idleClients, spec.name), target,
			fmt.Sprintf("%s (%d of the clients closed by the server)", mb(float64(rss)), closed), st)
	}

	lat, err := h.capLatency(ctx, stderr)
	if err != nil {
		return err
	}
	worst := slices.Max(lat)
	s.Add(fmt.Sprintf("new client answered at a cap of %d with %d idle clients (worst of %d)", capSmall, capSmallClients, len(lat)),
		"< "+targetCapLatency.String(),
		fmt.Sprintf("%s (median %s)", ms(worst), ms(median(lat))), report.Verdict(worst < targetCapLatency))
	return nil
}

// idlePeak starts spec, holds idleClients idle keep-alive clients on it,
// and returns its peak RSS and how many clients it closed.
func (h *Harness) idlePeak(ctx context.Context, spec serverSpec, stderr io.Writer) (int64, int, error) {
	sv, err := startServer(ctx, spec, h.cfg.ServerCPU, stderr)
	if err != nil {
		return 0, 0, err
	}
	defer sv.terminate(5 * time.Second)
	clients, err := holdIdle(sv.addr, idleClients)
	defer closeAll(clients)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", spec.name, err)
	}
	rss, err := sv.peakRSS()
	if err != nil {
		return 0, 0, err
	}
	closed := 0
	for _, c := range clients {
		if closedByServer(c) {
			closed++
		}
	}
	return rss, closed, sv.alive()
}

// capLatency times new clients against hello at a cap of capSmall with
// capSmallClients idle clients held open.
func (h *Harness) capLatency(ctx context.Context, stderr io.Writer) ([]time.Duration, error) {
	sv, err := startServer(ctx, h.helloSpec("ours, small cap", h.devnull, "-access-log=false", "-max-connections", strconv.Itoa(capSmall)),
		h.cfg.ServerCPU, stderr)
	if err != nil {
		return nil, err
	}
	defer sv.terminate(5 * time.Second)
	clients, err := holdIdle(sv.addr, capSmallClients)
	defer func() { closeAll(clients) }()
	if err != nil {
		return nil, err
	}
	var lat []time.Duration
	for range capLatencyAttempts {
		time.Sleep(50 * time.Millisecond) // as a client arriving now and then would
		start := time.Now()
		c, err := idleClient(sv.addr, "/healthz")
		if err != nil {
			return nil, fmt.Errorf("a new client at the cap: %w", err)
		}
		lat = append(lat, time.Since(start))
		clients = append(clients, c)
	}
	return lat, sv.alive()
}

// idleClient connects, sends GET path, reads a 200 answer, and returns the
// connection, left open.
func idleClient(addr, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// holdIdle opens n idle keep-alive clients one after another.
func holdIdle(addr string, n int) ([]net.Conn, error) {
	var clients []net.Conn
	for i := range n {
		c, err := idleClient(addr, "/")
		if err != nil {
			return clients, fmt.Errorf("idle client %d of %d: %w", i+1, n, err)
		}
		clients = append(clients, c)
	}
	return clients, nil
}

// closedByServer reports whether the server has closed c (a read returns
// at once without data).
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !os.IsTimeout(err)
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
