package main

// End-to-end tests of what happens when the process reading hello's stdout
// stops reading or goes away: hello must keep serving, drain and exit.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pipedServer is a hello process whose stdout is a pipe the test reads, or
// stops reading, or closes, as it pleases.
type pipedServer struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stdout *os.File      // the read end; nil once closed
	lines  *bufio.Reader // on stdout
	// stderr is read only once the process has exited (cmd.Wait has
	// copied all of it by then), so it needs no lock.
	stderr *strings.Builder
	exited chan struct{}
	err    error
}

// startPiped starts bin with args and reads its stdout up to the "server
// started" record; from then on nothing reads stdout until the test does.
func startPiped(t *testing.T, bin string, args ...string) *pipedServer {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Stdout = w
	p := &pipedServer{t: t, cmd: cmd, stdout: r, lines: bufio.NewReader(r), stderr: &strings.Builder{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		if p.stdout != nil {
			p.stdout.Close()
		}
		if t.Failed() {
			t.Logf("server stderr: %s", p.stderr.String())
		}
	})
	r.SetReadDeadline(time.Now().Add(safeTimeout))
	for {
		line, err := p.lines.ReadBytes('\n')
		if err != nil {
			t.Fatalf("no start record: %v", err)
		}
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && rec["msg"] == "server started" {
			p.addr = rec["addr"].(string)
			return p
		}
	}
}

// readAll reads the rest of stdout, until the process closes it, as records.
func (p *pipedServer) readAll() []map[string]any {
	p.t.Helper()
	p.stdout.SetReadDeadline(time.Now().Add(safeTimeout))
	var recs []map[string]any
	sc := bufio.NewScanner(p.lines)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			p.t.Errorf("stdout line is not JSON: %q", sc.Text())
			continue
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		p.t.Fatalf("reading stdout: %v", err)
	}
	return recs
}

// waitExit waits for the exit and returns the exit code and how long it
// took from since.
func (p *pipedServer) waitExit(since time.Time) (int, time.Duration) {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(safeTimeout):
		p.t.Fatal("server did not exit")
	}
	took := time.Since(since)
	if p.err == nil {
		return 0, took
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) {
		p.t.Fatal(p.err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
		p.t.Fatalf("server killed by %v", ws.Signal())
	}
	return ee.ExitCode(), took
}

// client is one keep-alive connection spoken to with raw HTTP/1.1, so that
// nothing is retried behind the test's back.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, safeTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// get sends GET path and returns the response, its body read, or the
// error; limit bounds the exchange.
func (c *client) get(path string, limit time.Duration) (*http.Response, error) {
	c.conn.SetWriteDeadline(time.Now().Add(limit))
	if _, err := fmt.Fprintf(c.conn, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		return nil, err
	}
	resp, _, err := c.readResponse(limit)
	return resp, err
}

// readResponse reads one response from c and its body; limit bounds it.
func (c *client) readResponse(limit time.Duration) (*http.Response, string, error) {
	c.conn.SetReadDeadline(time.Now().Add(limit))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body), err
}

// mustGet is get that fails the test unless the answer is 200 within limit.
func (c *client) mustGet(path string, limit time.Duration) {
	c.t.Helper()
	resp, err := c.get(path, limit)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
}

// Requests sent while stdout is stalled: enough to fill the pipe (64 KiB)
// and hello's log buffer (512 KiB) with access lines of ~200 bytes.
const stalledRequests = 6000

// TestStalledStdoutNeitherBlocksServingNorLosesCount stops reading stdout:
// requests and probes must still be answered at once (the limit per
// request is generous: a second, where a blocked server would hang
// forever), lines are dropped, and once stdout is read again a record
// reports the drop. At exit, every request is either in the log or in the
// dropped count.
func TestStalledStdoutNeitherBlocksServingNorLosesCount(t *testing.T) {
	p := startPiped(t, releaseBin, "-addr", "127.0.0.1:0")
	c := dial(t, p.addr)
	for i := range stalledRequests {
		if _, err := c.get(fmt.Sprintf("/?i=%d", i), time.Second); err != nil {
			t.Fatalf("request %d with stdout stalled: %v", i, err)
		}
	}
	probe := dial(t, p.addr)
	probe.mustGet("/healthz", time.Second)
	probe.mustGet("/readyz", time.Second)

	// Read again: the drop is reported, and serving goes on.
	var recs []map[string]any
	read := make(chan struct{})
	go func() { defer close(read); recs = p.readAll() }()
	c.mustGet("/", time.Second)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code, _ := p.waitExit(time.Now()); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	<-read

	var access, reported, total, slow int64
	for _, r := range recs {
		switch r["msg"] {
		case "request":
			access++
		case "log records dropped":
			reported += int64(r["dropped"].(float64))
			slow += int64(r["stdout_slow"].(float64))
			// A record dropped while the writer had yet to run again, on
			// a loaded machine, is told as such.
			if r["reason"] != "stdout did not take them" && r["reason"] != "the log writer fell behind (CPU overload)" {
				t.Errorf("drop record %v: want the reason stdout did not take them", r)
			}
		case "log records dropped in total":
			total = int64(r["dropped_total"].(float64))
		}
	}
	if slow == 0 {
		t.Errorf("no drop counted as stdout_slow, though stdout stalled (%d records read)", len(recs))
	}
	const sent = stalledRequests + 3 // and the two probes and the last GET
	if reported == 0 || total < reported {
		t.Errorf("dropped records reported %d, in total %d; want a report once stdout was read again", reported, total)
	}
	// The start record was read before the stall; every other record
	// written is either on stdout or counted.
	if access+total < sent || access == 0 {
		t.Errorf("%d access lines + %d dropped records, for %d requests", access, total, sent)
	}
	if !strings.Contains(p.stderr.String(), "log records were dropped") {
		t.Errorf("stderr does not report the drop: %q", p.stderr.String())
	}
}

// TestStalledStdoutAndSignals: with stdout stalled, SIGTERM still drains
// and exits, and a second SIGTERM exits at once although a request is in
// flight. Limits are generous: a server waiting on its log would never exit.
func TestStalledStdoutAndSignals(t *testing.T) {
	t.Run("SIGTERM drains and exits", func(t *testing.T) {
		p := startPiped(t, releaseBin, "-addr", "127.0.0.1:0")
		c := dial(t, p.addr)
		for range stalledRequests {
			c.mustGet("/", time.Second)
		}
		sent := time.Now()
		p.cmd.Process.Signal(syscall.SIGTERM)
		code, took := p.waitExit(sent)
		if code != 0 || took > 10*time.Second {
			t.Errorf("exit %d after %v, want 0 within 10s", code, took)
		}
		if !strings.Contains(p.stderr.String(), "did not take the last records") {
			t.Errorf("stderr does not say the last records were lost: %q", p.stderr.String())
		}
	})
	t.Run("second SIGTERM exits at once", func(t *testing.T) {
		p := startPiped(t, testBin, "-addr", "127.0.0.1:0", "-grace-period", "5m", "-shutdown-delay", "5m")
		c := dial(t, p.addr)
		for range stalledRequests {
			c.mustGet("/", time.Second)
		}
		slow := dial(t, p.addr)
		fmt.Fprint(slow.conn, "GET /_test/slow?d=5m HTTP/1.1\r\nHost: test\r\n\r\n")
		slow.conn.SetReadDeadline(time.Now().Add(safeTimeout))
		if _, err := http.ReadResponse(slow.r, nil); err != nil {
			t.Fatal(err)
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		for deadline := time.Now().Add(safeTimeout); ; time.Sleep(10 * time.Millisecond) {
			resp, err := dial(t, p.addr).get("/readyz", time.Second)
			if err != nil {
				t.Fatalf("GET /readyz during the shutdown delay: %v", err)
			}
			if resp.StatusCode == 503 {
				break // the shutdown has begun
			}
			if time.Now().After(deadline) {
				t.Fatal("/readyz never turned 503")
			}
		}
		sent := time.Now()
		p.cmd.Process.Signal(syscall.SIGTERM)
		code, took := p.waitExit(sent)
		if code != 1 || took > 5*time.Second {
			t.Errorf("exit %d after %v, want 1 within 5s", code, took)
		}
	})
}

// TestClosedStdoutKeepsServing closes the read end of stdout: hello must
// not die of SIGPIPE, must keep serving, and must say so on stderr once.
func TestClosedStdoutKeepsServing(t *testing.T) {
	p := startPiped(t, releaseBin, "-addr", "127.0.0.1:0")
	p.stdout.Close()
	p.stdout = nil
	c := dial(t, p.addr)
	for i := range 500 {
		c.mustGet(fmt.Sprintf("/?i=%d", i), time.Second)
		if i%100 == 0 {
			time.Sleep(150 * time.Millisecond) // let a batch of lines hit the closed pipe
		}
	}
	dial(t, p.addr).mustGet("/healthz", time.Second)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code, _ := p.waitExit(time.Now()); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	stderr := p.stderr.String()
	if n := strings.Count(stderr, "cannot write the log to stdout"); n != 1 || !strings.Contains(stderr, "broken pipe") {
		t.Errorf("stderr reports the broken stdout %d times, want once with EPIPE: %q", n, stderr)
	}
	if !strings.Contains(stderr, "log records were dropped") {
		t.Errorf("stderr does not count the dropped records: %q", stderr)
	}
}

// TestOversizedLogLineIsCountedAsSuch: an access line larger than the log
// buffer (a path of 600 KB, which -max-header-bytes 1 MiB lets in) can never
// be written; it is dropped and reported as too large, not blamed on stdout.
func TestOversizedLogLineIsCountedAsSuch(t *testing.T) {
	p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0", "-max-header-bytes", "1048576")
	c := dial(t, p.addr)
	fmt.Fprintf(c.conn, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", strings.Repeat("a", 600<<10))
	if _, _, err := c.readResponse(safeTimeout); err != nil {
		t.Fatal(err)
	}
	get(t, p.url+"/") // a record that fits, after which the drop is reported
	r := p.waitFor("log records dropped")
	if r["reason"] != "records larger than the log buffer" || r["oversized"] != 1.0 || r["stdout_slow"] != 0.0 {
		t.Errorf("drop record %v: want one oversized record and its reason", r)
	}
}
