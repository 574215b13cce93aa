package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
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

	// The memory budget of hello's default cap (issue 23): in a cgroup of
	// memLimit, stuckClients clients each leave a header section of
	// stuckHeaderBytes unfinished, in short lines (the shape that costs
	// hello the most memory per byte), and the peak must leave a quarter
	// of the limit unused.
	memLimit         = 64 << 20
	targetMemPeak    = memLimit * 3 / 4
	stuckClients     = 2500       // more than twice the former default cap
	stuckHeaderBytes = 16384 - 16 // just under hello's default -max-header-bytes
	oldDefaultCap    = 1024       // the default before the budget was measured
)

// connections measures hello's connection cap (item 3b): the peak memory
// with many idle keep-alive clients at the default cap, against the seed
// with no cap, and how fast a new client is answered at a small cap.
func (h *Harness) connections(ctx context.Context, s *report.Section) error {
	s.Method = fmt.Sprintf("%d keep-alive clients connect one after another, each sends `GET /`, reads the answer and stays open, "+
		"against hello with its default `-max-connections` and against the seed (no cap), both pinned as in item 2 with their "+
		"standard output to /dev/null; then VmHWM is read from /proc/PID/status, and the clients whose connection the server "+
		"closed are counted. Then hello runs with `-max-connections %d`; %d clients do the same, and %d times a new client "+
		"connects and sends `GET /healthz`, timed from dial to the complete answer (it then stays open too). "+
		"The memory budget: hello alone in a cgroup limited to %s (no swap), on every core with GOMAXPROCS the core count; "+
		"%d clients connect one after another, each sends a request line and %d bytes of short header lines and then nothing; "+
		"read: the group's peak, its OOM kills, and whether /healthz answers afterwards. The same with hello built as go install "+
		"builds it with the oldest Go its go.mod allows, older than the releases' Go: the default must fit both.",
		idleClients, capSmall, capSmallClients, capLatencyAttempts, mib(memLimit), stuckClients, stuckHeaderBytes)
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

	for _, c := range []struct {
		name, bin string
		extra     []string
		judge     bool
	}{
		{"default cap", h.bin.hello, nil, true},
		{"-max-connections " + strconv.Itoa(oldDefaultCap), h.bin.hello, []string{"-max-connections", strconv.Itoa(oldDefaultCap)}, false},
		{"default cap, built by go install with " + h.bin.minGo, h.bin.helloMinGo, nil, true},
		{"-max-connections " + strconv.Itoa(oldDefaultCap) + ", built by go install with " + h.bin.minGo, h.bin.helloMinGo,
			[]string{"-max-connections", strconv.Itoa(oldDefaultCap)}, false},
	} {
		if err := h.bin.need(c.bin); err != nil {
			return err
		}
		m, err := h.memoryBudget(ctx, c.bin, c.extra, stderr)
		if err != nil {
			return err
		}
		target, st := "", report.Info
		if c.judge {
			target, st = "≤ "+mib(targetMemPeak)+" (25 % of the limit to spare)", report.Verdict(m.fits())
		}
		s.Add(fmt.Sprintf("peak memory in a %s cgroup, %d clients stuck in %d-byte header sections: ours, %s",
			mib(memLimit), stuckClients, stuckHeaderBytes, c.name), target, m.String(), st)
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

// budgetRun is what one run of memoryBudget saw.
type budgetRun struct {
	peak      int64
	oomKills  int
	unhealthy error // why hello was not alive and answering /healthz after the attack
}

func (m budgetRun) fits() bool {
	return m.peak <= targetMemPeak && m.oomKills == 0 && m.unhealthy == nil
}

func (m budgetRun) String() string {
	health := "then /healthz answered"
	if m.unhealthy != nil {
		health = "then " + m.unhealthy.Error()
	}
	return fmt.Sprintf("%s (%.0f %% to spare), %d killed for memory, %s",
		mib(float64(m.peak)), 100*(1-float64(m.peak)/memLimit), m.oomKills, health)
}

// memoryBudget runs hello with extra flags in a memory-limited cgroup,
// lets stuckClients clients connect one after another, each sending
// stuckHeaderBytes of header lines and then nothing, and reads the group's
// peak and OOM kills.
func (h *Harness) memoryBudget(ctx context.Context, bin string, extra []string, stderr io.Writer) (budgetRun, error) {
	g, err := newMemCgroup("bench-hello-budget", memLimit)
	if err != nil {
		return budgetRun{}, err
	}
	defer g.remove()
	spec := serverSpec{name: "ours in a cgroup", stdout: h.devnull, argv: func(port int) []string {
		return g.wrap(append([]string{bin, "-addr", "127.0.0.1:" + strconv.Itoa(port), "-access-log=false"}, extra...))
	}}
	// As in a container: every core, not one pinned (more cores, more memory).
	spec.env = func(int) []string { return []string{"GOMAXPROCS=" + strconv.Itoa(runtime.NumCPU())} }
	sv, err := startServer(ctx, spec, "", stderr)
	if err != nil {
		return budgetRun{}, err
	}
	defer sv.terminate(5 * time.Second)
	stuck := holdStuck(sv.addr, stuckClients)
	defer closeAll(stuck)
	var m budgetRun
	if m.unhealthy = sv.alive(); m.unhealthy == nil {
		m.unhealthy = waitHTTP(ctx, sv.url+"healthz", 2*time.Second, sv.done)
	}
	if m.peak, err = g.peak(); err != nil {
		return m, err
	}
	m.oomKills, err = g.oomKills()
	return m, err
}

// holdStuck opens up to n connections one after another, each sending a
// request line and stuckHeaderBytes of short header lines, never the blank
// line that ends them, and returns those it could open.
func holdStuck(addr string, n int) []net.Conn {
	head := "GET / HTTP/1.1\r\nHost: bench\r\n"
	head += strings.Repeat("X-A: b\r\n", (stuckHeaderBytes-len(head))/len("X-A: b\r\n"))
	var conns []net.Conn
	for range n {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			continue // hello is gone, or its accept queue is full
		}
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		io.WriteString(c, head)
		conns = append(conns, c)
	}
	return conns
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
