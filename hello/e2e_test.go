package main

// End-to-end tests: they build the real binary and run it.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// safeTimeout bounds every wait; it is a safety net, not a speed assertion.
const safeTimeout = 30 * time.Second

// Binaries built once by TestMain.
var (
	// testBin has the test-only routes (-tags e2etest).
	testBin string
	// releaseBin is built like a release, with version information.
	releaseBin string
)

const (
	buildPkg     = "github.com/go-multistage/multistage/hello/internal/buildinfo"
	buildVersion = "v9.8.7"
	buildCommit  = "0123abc"
	buildDate    = "2026-02-03T04:05:06Z"
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hello-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)

	testBin = filepath.Join(dir, "hello-e2etest")
	releaseBin = filepath.Join(dir, "hello")
	ldflags := fmt.Sprintf("-s -w -X %[1]s.Version=%[2]s -X %[1]s.Commit=%[3]s -X %[1]s.Date=%[4]s",
		buildPkg, buildVersion, buildCommit, buildDate)
	for _, args := range [][]string{
		{"build", "-tags", "e2etest", "-o", testBin, "."},
		{"build", "-trimpath", "-ldflags", ldflags, "-o", releaseBin, "."},
	} {
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go %s: %v\n%s", strings.Join(args, " "), err, out)
			return 1
		}
	}
	return m.Run()
}

// proc is a running hello server.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // from the "server started" record
	url  string

	stderr *lockedBuilder

	mu      sync.Mutex
	records []map[string]any
	newRec  chan struct{}

	exited chan struct{}
	err    error // of cmd.Wait, valid once exited is closed
}

// startServer runs bin with args and env (added to a clean environment)
// and waits until it logs that it listens.
func startServer(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	return startServerWith(t, nil, bin, env, args...)
}

// startServerWith is startServer with attr for the process (nil: none),
// such as a PID namespace of its own.
func startServerWith(t *testing.T, attr *syscall.SysProcAttr, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	cmd.SysProcAttr = attr
	return startCmd(t, cmd)
}

// startCmd starts cmd, a hello server or a command that execs one, and
// waits until it logs that it listens.
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuilder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, stderr: stderr, newRec: make(chan struct{}, 1), exited: make(chan struct{})}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				rec = map[string]any{"msg": "NOT JSON", "line": sc.Text()}
			}
			p.mu.Lock()
			p.records = append(p.records, rec)
			p.mu.Unlock()
			select {
			case p.newRec <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		<-scanned
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("server stderr: %s", stderr.String())
			for _, r := range p.all() {
				t.Logf("server log: %v", r)
			}
		}
		for _, r := range p.all() {
			if r["msg"] == "NOT JSON" {
				t.Errorf("stdout line is not JSON: %q", r["line"])
			}
		}
	})

	started := p.waitFor("server started")
	p.addr, _ = started["addr"].(string)
	p.url = "http://" + p.addr
	return p
}

// lockedBuilder is a strings.Builder safe to read while a process writes.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (p *proc) all() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]any(nil), p.records...)
}

// find returns the records with the given msg.
func (p *proc) find(msg string) []map[string]any {
	var out []map[string]any
	for _, r := range p.all() {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// waitFor waits for a record with the given msg and returns the first.
func (p *proc) waitFor(msg string) map[string]any {
	p.t.Helper()
	return p.waitForN(msg, 1)[0]
}

// waitForN waits for n records with the given msg and returns them.
func (p *proc) waitForN(msg string, n int) []map[string]any {
	p.t.Helper()
	deadline := time.After(safeTimeout)
	for {
		if recs := p.find(msg); len(recs) >= n {
			return recs
		}
		select {
		case <-p.newRec:
		case <-p.exited:
			if recs := p.find(msg); len(recs) >= n {
				return recs
			}
			p.t.Fatalf("server exited (%v) before logging %q %d times", p.err, msg, n)
		case <-deadline:
			p.t.Fatalf("fewer than %d %q records", n, msg)
		}
	}
}

// signal sends sig to the server.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// exitCode waits for the server to exit and returns its status.
func (p *proc) exitCode() int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(safeTimeout):
		p.t.Fatal("server did not exit")
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatal(p.err)
	}
	return 0
}

// runHello runs the binary to completion and returns its exit code and output.
func runHello(t *testing.T, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(safeTimeout):
		cmd.Process.Kill()
		t.Fatalf("%s %v did not finish", bin, args)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// noKeepAlive is a client that opens a new connection per request.
var noKeepAlive = &http.Client{
	Timeout:   safeTimeout,
	Transport: &http.Transport{DisableKeepAlives: true},
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := noKeepAlive.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServesGreeting(t *testing.T) {
	p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0")
	resp, err := noKeepAlive.Get(p.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "Hello from Multi-Stage Build!" ||
		resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("GET / = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// Access log lines are batched: at most 100 ms late.
	rec := p.waitFor("request")
	if rec["path"] != "/" || rec["status"] != 200.0 || rec["client_ip"] != "127.0.0.1" ||
		rec["request_id"] != resp.Header.Get("X-Request-Id") {
		t.Errorf("access log = %v", rec)
	}
}

func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	p := startServer(t, testBin, nil, "-addr", "127.0.0.1:0", "-shutdown-delay", "2s", "-grace-period", "20s")

	// A slow request: headers arrive at once, the body 4 s later, after
	// the shutdown delay has ended and the listener has closed.
	resp, err := noKeepAlive.Get(p.url + "/_test/slow?d=4s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	p.signal(syscall.SIGTERM)
	var code int
	var body string
	for deadline := time.Now().Add(safeTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if code, body = get(t, p.url+"/readyz"); code != 200 {
			break
		}
	}
	if code != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz after SIGTERM = %d %q, want 503", code, body)
	}
	if code, _ := get(t, p.url+"/healthz"); code != 200 {
		t.Errorf("/healthz during the shutdown delay = %d, want 200", code)
	}

	slow, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(slow) != "slow done" {
		t.Errorf("in-flight request = %d %q %v, want 200 \"slow done\"", resp.StatusCode, slow, err)
	}
	if code := p.exitCode(); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	for _, msg := range []string{"signal received, shutting down", "shutdown started", "server stopped"} {
		if len(p.find(msg)) != 1 {
			t.Errorf("no %q record", msg)
		}
	}
	var slowLogged bool
	for _, r := range p.find("request") {
		slowLogged = slowLogged || (r["path"] == "/_test/slow" && r["status"] == 200.0)
	}
	if !slowLogged {
		t.Error("the in-flight request is not in the access log")
	}
	if _, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		t.Error("port still open after exit")
	}
}

// TestNoAccessLogLinesLostAtExit sends requests and stops the server at
// once: every request must be in the log, although lines are batched.
func TestNoAccessLogLinesLostAtExit(t *testing.T) {
	p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0")
	const n = 300
	client := &http.Client{Timeout: safeTimeout}
	for i := range n {
		resp, err := client.Get(fmt.Sprintf("%s/?i=%d", p.url, i))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if got := len(p.find("request")); got != n {
		t.Errorf("%d access log lines for %d requests", got, n)
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	p := startServer(t, testBin, nil, "-addr", "127.0.0.1:0", "-grace-period", "5m")
	get(t, p.url+"/") // its log line must survive the forced exit
	idle := dial(t, p.addr)
	if _, err := idle.get("/", safeTimeout); err != nil { // then idle: not cut, nothing lost
		t.Fatal(err)
	}
	resp, err := noKeepAlive.Get(p.url + "/_test/slow?d=5m")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	p.signal(syscall.SIGTERM)
	p.waitFor("shutdown started")
	p.signal(syscall.SIGTERM)
	// Well before the 5-minute request or grace period could end.
	if code := p.exitCode(); code != 1 {
		t.Errorf("exit code after a second signal = %d, want 1", code)
	}
	if len(p.find("second signal received, exiting without draining")) != 1 {
		t.Error("no record of the second signal")
	}
	if r := p.find("request"); len(r) != 2 || r[0]["path"] != "/" || r[1]["path"] != "/" {
		t.Errorf("access log after a forced exit = %v, want the two GET / lines", r)
	}
	if r := p.find("second signal received, exiting without draining"); len(r) == 1 && r[0]["connections_cut"] != 1.0 {
		t.Errorf("connections_cut = %v, want 1 (the slow request)", r[0]["connections_cut"])
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the dropped request completed")
	}
}

func TestGracePeriodExpiryExitsNonZero(t *testing.T) {
	p := startServer(t, testBin, nil, "-addr", "127.0.0.1:0", "-grace-period", "500ms")
	resp, err := noKeepAlive.Get(p.url + "/_test/slow?d=5m")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 1 {
		t.Errorf("exit code after the grace period ran out = %d, want 1", code)
	}
}

func TestHealthcheck(t *testing.T) {
	live := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(live.addr)

	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer unavailable.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantOut  string // in stdout (code 0) or stderr (code 1)
	}{
		{"live server by flag", nil, []string{"healthcheck", "-addr", live.addr}, 0, "healthy"},
		{"live server by HELLO_ADDR", []string{"HELLO_ADDR=" + live.addr}, []string{"healthcheck"}, 0, "healthy"},
		{"listen address with unspecified host", []string{"HELLO_ADDR=:" + port}, []string{"healthcheck"}, 0, "healthy"},
		{"IPv6 wildcard, server on 127.0.0.1 only", []string{"HELLO_ADDR=[::]:" + port}, []string{"healthcheck"}, 0, "healthy"},
		{"IPv4 wildcard", nil, []string{"healthcheck", "-addr", "0.0.0.0:" + port}, 0, "healthy"},
		{"host name", nil, []string{"healthcheck", "-addr", "localhost:" + port}, 0, "healthy"},
		{"dead port", nil, []string{"healthcheck", "-addr", deadAddr}, 1, "connection refused"},
		{"503", nil, []string{"healthcheck", "-addr", strings.TrimPrefix(unavailable.URL, "http://")}, 1, "status 503"},
		{"bad address: 1, not 2, which Docker reserves", nil, []string{"healthcheck", "-addr", "nonsense"}, 1, "host:port"},
		{"unknown flag", nil, []string{"healthcheck", "-bogus"}, 1, "-bogus"},
		{"help", nil, []string{"healthcheck", "-h"}, 1, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runHello(t, releaseBin, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, stdout, stderr)
			}
			out := stdout
			if code != 0 {
				out = stderr
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("output %q lacks %q", out, tt.wantOut)
			}
		})
	}

	t.Run("silent server times out", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() //nolint:gocritic // deferInLoop: each connection stays open, unanswered, until the listener closes
			}
		}()
		code, _, stderr := runHello(t, releaseBin, nil, "healthcheck", "-addr", ln.Addr().String(), "-timeout", "300ms")
		if code != 1 || !strings.Contains(stderr, "timeout") {
			t.Errorf("exit code %d, stderr %q; want 1 and a timeout", code, stderr)
		}
	})
}

func TestHeaderTimeoutCutsByteByByteClient(t *testing.T) {
	p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0", "-read-header-timeout", "1s")
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	closed := make(chan []byte, 1)
	go func() {
		conn.SetReadDeadline(time.Now().Add(safeTimeout))
		got, _ := io.ReadAll(conn) // returns when the server closes
		closed <- got
	}()

	// An endless header section, one byte every 50 ms.
	request := "GET / HTTP/1.1\r\nHost: example\r\nX-Slow: " + strings.Repeat("a", 10000)
	sent := 0
	var got []byte
send:
	for ; sent < len(request); sent++ {
		select {
		case got = <-closed:
			break send
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{request[sent]}); err != nil {
			got = <-closed
			break
		}
	}
	if sent == len(request) {
		t.Fatal("the server never cut the connection")
	}
	// net/http closes the connection, at most with an error status.
	if len(got) != 0 && !strings.HasPrefix(string(got), "HTTP/1.1 4") {
		t.Errorf("server answered a request whose headers never ended: %q", got)
	}
	// It keeps serving others.
	if code, _ := get(t, p.url+"/"); code != 200 {
		t.Errorf("GET / after the slow client = %d", code)
	}
}

func TestPanicGives500AndServerKeepsServing(t *testing.T) {
	p := startServer(t, testBin, nil, "-addr", "127.0.0.1:0")
	code, body := get(t, p.url+"/_test/panic")
	if code != 500 || body != `{"message":"Internal Server Error"}`+"\n" {
		t.Errorf("GET /_test/panic = %d %q, want 500 with a generic body", code, body)
	}
	if code, body := get(t, p.url+"/"); code != 200 || body != "Hello from Multi-Stage Build!" {
		t.Errorf("GET / after the panic = %d %q", code, body)
	}
	rec := p.waitFor("panic recovered")
	if rec["error"] != "test panic" || !strings.Contains(fmt.Sprint(rec["stack"]), "goroutine") {
		t.Errorf("panic record = %v", rec)
	}
}

func TestReleaseBinaryHasNoTestRoutes(t *testing.T) {
	p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0")
	for _, path := range []string{"/_test/panic", "/_test/slow?d=1s"} {
		if code, _ := get(t, p.url+path); code != 404 {
			t.Errorf("GET %s = %d, want 404", path, code)
		}
	}
}

// TestUnknownEnvironmentIsWarnedOf: the binary, given the environment of
// the process, names a misspelt HELLO_ variable in one WARN record.
func TestUnknownEnvironmentIsWarnedOf(t *testing.T) {
	p := startServer(t, releaseBin, []string{"HELLO_ADDR=127.0.0.1:0", "HELLO_SHUTDOWN_DELAI=5s"})
	recs := p.find("unknown environment variables ignored")
	if len(recs) != 1 || recs[0]["level"] != "WARN" || fmt.Sprint(recs[0]["variables"]) != "[HELLO_SHUTDOWN_DELAI]" ||
		fmt.Sprint(recs[0]["did_you_mean"]) != "map[HELLO_SHUTDOWN_DELAI:HELLO_SHUTDOWN_DELAY]" {
		t.Errorf("warning records = %v, want one naming HELLO_SHUTDOWN_DELAI and HELLO_SHUTDOWN_DELAY", recs)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	// Were the environment used, the address would be rejected (exit 2)
	// and the access log would be off.
	env := []string{"HELLO_ADDR=not-an-address", "HELLO_ACCESS_LOG=false"}
	p := startServer(t, releaseBin, env, "-addr", "127.0.0.1:0", "-access-log=true")
	get(t, p.url+"/")
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if len(p.find("request")) != 1 {
		t.Errorf("-access-log=true did not win over HELLO_ACCESS_LOG=false")
	}
	if s := p.find("server started"); s[0]["access_log"] != true {
		t.Errorf("start record = %v", s[0])
	}

	// Without the flags, the environment applies.
	p2 := startServer(t, releaseBin, []string{"HELLO_ADDR=127.0.0.1:0", "HELLO_ACCESS_LOG=false"})
	get(t, p2.url+"/")
	p2.signal(syscall.SIGTERM)
	if code := p2.exitCode(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if n := len(p2.find("request")); n != 0 {
		t.Errorf("HELLO_ACCESS_LOG=false ignored: %d access log lines", n)
	}
	if s := p2.find("server started"); s[0]["access_log"] != false {
		t.Errorf("start record = %v", s[0])
	}
}

func TestVersion(t *testing.T) {
	want := fmt.Sprintf("hello %s (commit %s, built %s, ", buildVersion, buildCommit, buildDate)
	for _, args := range [][]string{{"version"}, {"-version"}} {
		code, stdout, _ := runHello(t, releaseBin, nil, args...)
		if code != 0 || !strings.HasPrefix(stdout, want) || strings.Count(stdout, "\n") != 1 {
			t.Errorf("hello %v = %d %q, want 0 and a line starting %q", args, code, stdout, want)
		}
	}

	p := startServer(t, releaseBin, nil, "-addr", "127.0.0.1:0")
	_, body := get(t, p.url+"/version")
	var v map[string]string
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("/version body %q: %v", body, err)
	}
	if v["version"] != buildVersion || v["commit"] != buildCommit || v["date"] != buildDate || !strings.HasPrefix(v["go_version"], "go") {
		t.Errorf("/version = %v", v)
	}

	// Without ldflags, the defaults.
	code, stdout, _ := runHello(t, testBin, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "hello dev (commit none, built unknown, ") {
		t.Errorf("version of a plain build = %q", stdout)
	}
}
