package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/config"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/server"
)

// safeTimeout bounds every wait; it is a safety net, not a speed assertion.
const safeTimeout = 30 * time.Second

// env returns m as an environment, NAME=value entries.
func env(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// output stands in for stdout or stderr while the server runs: a file in
// the test's folder, which takes writes from the server's goroutines as
// the real stdout does and is read while they go on.
type output struct {
	t *testing.T
	f *os.File
}

func newOutput(t *testing.T) *output {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "output")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &output{t: t, f: f}
}

func (o *output) Write(p []byte) (int, error) { return o.f.Write(p) }

func (o *output) String() string {
	o.t.Helper()
	b, err := os.ReadFile(o.f.Name())
	if err != nil {
		o.t.Fatal(err)
	}
	return string(b)
}

// records decodes the log lines of log, but for a last line that is not
// complete yet.
func records(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(log) {
		if !strings.HasSuffix(line, "\n") {
			break
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, line)
		}
		out = append(out, m)
	}
	return out
}

// msgs returns the msg of each record, in order.
func msgs(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r["msg"].(string))
	}
	return out
}

// find returns the first record whose msg is msg, or nil.
func find(recs []map[string]any, msg string) map[string]any {
	for _, r := range recs {
		if r["msg"] == msg {
			return r
		}
	}
	return nil
}

// run calls Run with a context that never ends and returns its exit code
// and output. Run writes nothing once it has returned.
func run(t *testing.T, environ map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = Run(t.Context(), args, env(environ), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // in stderr and naming the flag or variable at fault
	}{
		{"unknown flag", nil, []string{"-bogus"}, "-bogus"},
		{"bad flag value", nil, []string{"-grace-period", "forever"}, "-grace-period"},
		{"flag out of range", nil, []string{"-max-connections", "0"}, "-max-connections: 0 is out of range"},
		{"bad environment value", map[string]string{"HELLO_READ_TIMEOUT": "soon"}, nil, "HELLO_READ_TIMEOUT"},
		{"environment out of range", map[string]string{"HELLO_MAX_HEADER_BYTES": "1"}, nil, "HELLO_MAX_HEADER_BYTES"},
		{"address with a leading space", nil, []string{"-addr", " :8080"}, "-addr: leading or trailing white space"},
		{"address with a trailing newline", map[string]string{"HELLO_ADDR": ":8080\n"}, nil, "HELLO_ADDR: leading or trailing white space"},
		{"stray argument", nil, []string{"serve"}, `unexpected argument "serve"`},
		{"version with arguments", nil, []string{"version", "now"}, `unexpected argument "now"`},
		{"flag on version", nil, []string{"version", "-addr", ":80"}, "-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.env, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "-h' for usage") && !strings.Contains(stderr, "Usage:") {
				t.Errorf("stderr %q does not name %q and point to the usage", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

// TestRunHealthcheckUsageErrorsExit1: whatever goes wrong with its
// command line, "hello healthcheck" exits 1, never 2, which Docker
// reserves; the problem is on stderr, naming the flag or variable.
func TestRunHealthcheckUsageErrorsExit1(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // in stderr
	}{
		{"unknown flag", nil, []string{"-bogus"}, "-bogus"},
		{"bad flag value", nil, []string{"-timeout", "soon"}, "-timeout"},
		{"port 0", nil, []string{"-addr", "127.0.0.1:0"}, "-addr"},
		{"not an address", nil, []string{"-addr", "nonsense"}, "host:port"},
		{"bad environment", map[string]string{"HELLO_HEALTHCHECK_TIMEOUT": "never"}, nil, "HELLO_HEALTHCHECK_TIMEOUT"},
		{"bad HELLO_ADDR", map[string]string{"HELLO_ADDR": "nonsense"}, nil, "HELLO_ADDR"},
		{"address with white space", nil, []string{"-addr", ":8080 "}, "-addr: leading or trailing white space"},
		{"serve flag", nil, []string{"-access-log"}, "-access-log"},
		{"-version", nil, []string{"-version"}, "-version"},
		{"stray argument", nil, []string{"now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.env, append([]string{"healthcheck"}, tt.args...)...)
			if code != ExitFailure {
				t.Errorf("exit code = %d, want %d", code, ExitFailure)
			}
			if !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Errorf("stderr %q does not name %q, or stdout is not empty: %q", stderr, tt.want, stdout)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		want     []string // in stderr
	}{
		{[]string{"-h"}, ExitOK, []string{"hello healthcheck [flags]", "-trusted-proxies CIDRs", "env HELLO_ADDR"}},
		{[]string{"-help"}, ExitOK, []string{"-version"}},
		{[]string{"--help"}, ExitOK, []string{"-max-connections n"}},
		// Not healthy: a HEALTHCHECK that asks for help must not pass.
		{[]string{"healthcheck", "-h"}, ExitFailure, []string{"hello healthcheck [flags]", "env HELLO_HEALTHCHECK_TIMEOUT, default 2s", "-h exit 1"}},
		{[]string{"version", "-h"}, ExitOK, []string{"hello version"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, tt.args...)
			if code != tt.wantCode || stdout != "" {
				t.Errorf("exit code %d, stdout %q; want %d and nothing", code, stdout, tt.wantCode)
			}
			for _, want := range append(tt.want, "Usage:") {
				if !strings.Contains(stderr, want) {
					t.Errorf("usage lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestRunVersion(t *testing.T) {
	want := buildinfo.Get().String() + "\n"
	bad := map[string]string{"HELLO_ADDR": "bad", "HELLO_GRACE_PERIOD": "forever", "HELLO_HEALTHCHECK_TIMEOUT": "-1s"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"command", nil, []string{"version"}},
		{"flag", nil, []string{"-version"}},
		{"flag set to true", nil, []string{"-version=true"}},
		{"flag among others", nil, []string{"-addr", ":9000", "-version"}},
		{"command under a bad environment", bad, []string{"version"}},
		{"flag under a bad environment", bad, []string{"-version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.env, tt.args...)
			if code != ExitOK || stdout != want || stderr != "" {
				t.Errorf("Run(%q) = %d, stdout %q, stderr %q; want 0, %q and nothing", tt.args, code, stdout, stderr, want)
			}
		})
	}
}

// listen opens a loopback listener closed at the end of the test.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// httpServer serves GET /healthz with status on a loopback listener and
// returns its address.
func httpServer(t *testing.T, status int) string {
	t.Helper()
	ln := listen(t)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				status = http.StatusNotFound
			}
			w.WriteHeader(status)
		}),
		ReadHeaderTimeout: safeTimeout,
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().String()
}

func TestRunHealthcheck(t *testing.T) {
	up := httpServer(t, http.StatusOK)
	_, upPort, _ := net.SplitHostPort(up)
	unavailable := httpServer(t, http.StatusServiceUnavailable)
	silent := silentServer(t)
	dead := listen(t)
	down := dead.Addr().String()
	dead.Close()
	stopped, stop := context.WithCancelCause(t.Context())
	stop(errors.New("terminated signal received"))

	tests := []struct {
		name     string
		ctx      context.Context
		env      map[string]string
		args     []string
		wantCode int
		want     string // in stdout (code 0) or stderr (otherwise)
	}{
		{"up, by flag", nil, nil, []string{"healthcheck", "-addr", up}, ExitOK, "hello healthcheck: healthy"},
		{"up, by HELLO_ADDR", nil, map[string]string{"HELLO_ADDR": up}, []string{"healthcheck"}, ExitOK, "healthy"},
		{"up, listen address with an unspecified host", nil, map[string]string{"HELLO_ADDR": ":" + upPort}, []string{"healthcheck"}, ExitOK, "healthy"},
		{"flag wins over a bad HELLO_ADDR", nil, map[string]string{"HELLO_ADDR": "nonsense"}, []string{"healthcheck", "-addr", up}, ExitOK, "healthy"},
		{"down", nil, nil, []string{"healthcheck", "-addr", down}, ExitFailure, "connection refused"},
		{"503", nil, nil, []string{"healthcheck", "-addr", unavailable}, ExitFailure, "status 503, want 200"},
		{"silent server times out", nil, nil, []string{"healthcheck", "-addr", silent, "-timeout", "200ms"}, ExitFailure, "timeout"},
		{"stopped by a signal", stopped, nil, []string{"healthcheck", "-addr", silent}, ExitFailure, "stopped before the verdict: terminated signal received"},
		{"port 0", nil, nil, []string{"healthcheck", "-addr", "127.0.0.1:0"}, ExitFailure, "port must be a number from 1 to 65535"},
		{"not an address", nil, nil, []string{"healthcheck", "-addr", "nonsense"}, ExitFailure, "host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			var stdout, stderr strings.Builder
			code := Run(ctx, tt.args, env(tt.env), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, stdout.String(), stderr.String())
			}
			out, other := stdout.String(), stderr.String()
			if code != ExitOK {
				out, other = other, out
			}
			if !strings.Contains(out, tt.want) || other != "" {
				t.Errorf("output %q lacks %q, or the other stream is not empty: %q", out, tt.want, other)
			}
		})
	}
}

func TestRunStartupErrors(t *testing.T) {
	busy := listen(t).Addr().String()
	tests := []struct {
		name string
		args []string
		want string // in the "cannot listen" record's error
	}{
		{"address in use", []string{"-addr", busy}, "address already in use"},
		{"address of another host", []string{"-addr", "192.0.2.1:8080"}, "cannot assign requested address"},
		{"unknown host", []string{"-addr", "no-such-host.invalid:8080"}, "no-such-host.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Run(t.Context(), tt.args, env(nil), &stdout, &stderr)
			if code != ExitFailure {
				t.Errorf("exit code = %d, want %d", code, ExitFailure)
			}
			recs := records(t, stdout.String())
			r := find(recs, "cannot listen")
			if r == nil || r["level"] != "ERROR" || !strings.Contains(r["error"].(string), tt.want) {
				t.Errorf("log %v has no ERROR record \"cannot listen\" saying %q", recs, tt.want)
			}
			if find(recs, "server started") != nil || stderr.String() != "" {
				t.Errorf("log %v, stderr %q: want no start and nothing on stderr", recs, stderr.String())
			}
		})
	}
}

// serving is hello's serve command running in-process.
type serving struct {
	t *testing.T
	// signals feeds Run's context ([StopOn]); cancel cancels its parent.
	signals chan os.Signal
	cancel  context.CancelCauseFunc
	stdout  *output
	stderr  *output
	addr    string
	code    chan int
}

// startServe runs Run with args on a loopback port and waits until the
// server has started.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

// startServeEnv is startServe with the environment environ.
func startServeEnv(t *testing.T, environ []string, args ...string) *serving {
	t.Helper()
	s := &serving{t: t, signals: make(chan os.Signal, 2), code: make(chan int, 1), stdout: newOutput(t), stderr: newOutput(t)}
	parent, cancel := context.WithCancelCause(t.Context())
	s.cancel = cancel
	ctx := StopOn(parent, s.signals)
	args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	go func() { s.code <- Run(ctx, args, environ, s.stdout, s.stderr) }()
	r := s.waitFor("server started")
	s.addr = r["addr"].(string)
	return s
}

// waitFor waits for the first record whose msg is msg.
func (s *serving) waitFor(msg string) map[string]any {
	s.t.Helper()
	for deadline := time.Now().Add(safeTimeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r := find(records(s.t, s.stdout.String()), msg); r != nil {
			return r
		}
	}
	s.t.Fatalf("no %q record in %q (stderr %q)", msg, s.stdout.String(), s.stderr.String())
	return nil
}

// waitForCount waits until n records with msg have been written.
func (s *serving) waitForCount(msg string, n int) {
	s.t.Helper()
	for deadline := time.Now().Add(safeTimeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		count := 0
		for _, r := range records(s.t, s.stdout.String()) {
			if r["msg"] == msg {
				count++
			}
		}
		if count >= n {
			return
		}
	}
	s.t.Fatalf("fewer than %d %q records in %q", n, msg, s.stdout.String())
}

// exitCode waits for Run to return.
func (s *serving) exitCode() int {
	s.t.Helper()
	select {
	case code := <-s.code:
		return code
	case <-time.After(safeTimeout):
		s.t.Fatal("Run did not return")
		return -1
	}
}

func TestRunServesUntilStopped(t *testing.T) {
	tests := []struct {
		name     string
		sig      os.Signal // nil: the context's parent is cancelled
		wantStop map[string]any
	}{
		{"SIGTERM", syscall.SIGTERM,
			map[string]any{"level": "INFO", "msg": "signal received, shutting down", "signal": "terminated"}},
		{"SIGINT", syscall.SIGINT,
			map[string]any{"level": "INFO", "msg": "signal received, shutting down", "signal": "interrupt"}},
		{"context cancelled", nil,
			map[string]any{"level": "INFO", "msg": "stop requested, shutting down", "cause": "test is over"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServe(t)
			resp, err := (&http.Client{Timeout: safeTimeout}).Get("http://" + s.addr + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if code, stdout, stderr := run(t, nil, "healthcheck", "-addr", s.addr); code != ExitOK {
				t.Errorf("healthcheck of the running server: %d %q %q", code, stdout, stderr)
			}
			// An access line is written once its connection has taken the
			// response, which may be just after the client read it.
			s.waitForCount("request", 2)

			if tt.sig != nil {
				s.signals <- tt.sig
			} else {
				s.cancel(errors.New("test is over"))
			}
			if code := s.exitCode(); code != ExitOK {
				t.Errorf("exit code = %d, want 0 (stderr %q)", code, s.stderr.String())
			}
			recs := records(t, s.stdout.String())
			// The access log has GET / and the health check's GET /healthz.
			want := []string{"server started", "request", "request", tt.wantStop["msg"].(string), "shutdown started", "server stopped"}
			if got := msgs(recs); !reflect.DeepEqual(got, want) {
				t.Errorf("records %q, want %q", got, want)
			} else if paths := []any{recs[1]["path"], recs[2]["path"]}; !slices.Contains(paths, "/") || !slices.Contains(paths, "/healthz") {
				// Two connections: their lines come in the order their
				// connections took the responses.
				t.Errorf("access log %v, %v: want GET / and GET /healthz", recs[1], recs[2])
			}
			r := find(recs, tt.wantStop["msg"].(string))
			for k, v := range tt.wantStop {
				if r[k] != v {
					t.Errorf("record %v: %s = %v, want %v", r, k, r[k], v)
				}
			}
			if s.stderr.String() != "" {
				t.Errorf("stderr = %q, want nothing", s.stderr.String())
			}
			if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
				c.Close()
				t.Error("port still open after Run returned")
			}
		})
	}
}

// TestRunWarnsOfUnknownEnvironment: HELLO_* variables nothing reads are
// named in one WARN record before the server starts, with the known one
// each is closest to; known ones and other variables are not.
func TestRunWarnsOfUnknownEnvironment(t *testing.T) {
	tests := []struct {
		name       string
		environ    []string
		want       []any          // the record's variables; nil: no record
		didYouMean map[string]any // nil: no such field
	}{
		{"none", []string{"PATH=/bin", "HELLO_ACCESS_LOG=true", "HELLO_HEALTHCHECK_TIMEOUT=1s", "HELLO_CPUPROFILE="}, nil, nil},
		{"misspelt and unknown",
			[]string{"HELLO_ACESS_LOG=false", "PATH=/bin", "HELLO_COLOR=red", "hello_grace_period=1s", "HELLO_ACESS_LOG=true"},
			[]any{"HELLO_ACESS_LOG", "HELLO_COLOR", "hello_grace_period"},
			map[string]any{"HELLO_ACESS_LOG": "HELLO_ACCESS_LOG", "hello_grace_period": "HELLO_GRACE_PERIOD"}},
		{"nothing close", []string{"HELLO_COLOR=red"}, []any{"HELLO_COLOR"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServeEnv(t, tt.environ)
			s.signals <- syscall.SIGTERM
			if code := s.exitCode(); code != ExitOK {
				t.Errorf("exit code = %d, want 0 (stderr %q)", code, s.stderr.String())
			}
			recs := records(t, s.stdout.String())
			const msg = "unknown environment variables ignored"
			var warnings []map[string]any
			for _, r := range recs {
				if r["msg"] == msg {
					warnings = append(warnings, r)
				}
			}
			if tt.want == nil {
				if len(warnings) > 0 {
					t.Errorf("unexpected warning %v", warnings)
				}
				return
			}
			if len(warnings) != 1 || recs[0]["msg"] != msg {
				t.Fatalf("records %q: want one %q record, first", msgs(recs), msg)
			}
			r := warnings[0]
			if r["level"] != "WARN" || !reflect.DeepEqual(r["variables"], tt.want) {
				t.Errorf("record %v: want level WARN and variables %v", r, tt.want)
			}
			if got, ok := r["did_you_mean"]; ok != (tt.didYouMean != nil) || ok && !reflect.DeepEqual(got, tt.didYouMean) {
				t.Errorf("record %v: want did_you_mean %v", r, tt.didYouMean)
			}
		})
	}
}

func TestGetenv(t *testing.T) {
	get := getenv([]string{"A=1", "B=", "C=x=y", "A=2", "NOEQUALS", "=hidden"})
	for name, want := range map[string]string{"A": "1", "B": "", "C": "x=y", "NOEQUALS": "", "D": ""} {
		if got := get(name); got != want {
			t.Errorf("getenv(...)(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestRunSecondSignalExitsAtOnce: the second signal ends Run within the
// shutdown delay, with exit code 1 and a record of the signal.
func TestRunSecondSignalExitsAtOnce(t *testing.T) {
	s := startServe(t, "-shutdown-delay", "10m", "-grace-period", "10m")
	s.signals <- syscall.SIGTERM
	s.waitFor("shutdown started")
	s.signals <- syscall.SIGINT
	if code := s.exitCode(); code != ExitFailure {
		t.Errorf("exit code = %d, want %d", code, ExitFailure)
	}
	r := find(records(t, s.stdout.String()), "second signal received, exiting without draining")
	if r == nil || r["level"] != "WARN" || r["signal"] != "interrupt" {
		t.Errorf("second signal record = %v", r)
	}
}

func TestStopOn(t *testing.T) {
	t.Run("first signal cancels, second is urgent", func(t *testing.T) {
		signals := make(chan os.Signal, 2)
		ctx := StopOn(t.Context(), signals)
		if ctx.Err() != nil {
			t.Fatal("cancelled before any signal")
		}
		signals <- syscall.SIGTERM
		<-ctx.Done()
		var stop *stopSignal
		if !errors.As(context.Cause(ctx), &stop) || context.Cause(ctx).Error() != "terminated signal received" {
			t.Fatalf("cause = %v, want the signal", context.Cause(ctx))
		}
		select {
		case <-stop.urgent:
			t.Fatal("urgent before the second signal")
		default:
		}
		signals <- syscall.SIGINT
		select {
		case <-stop.urgent:
		case <-time.After(safeTimeout):
			t.Fatal("second signal did not make the stop urgent")
		}
		if stop.again != syscall.SIGINT {
			t.Errorf("second signal = %v, want interrupt", stop.again)
		}
	})
	t.Run("SIGHUP does not stop, it is handed on", func(t *testing.T) {
		signals := make(chan os.Signal, 2)
		ctx := StopOn(t.Context(), signals)
		signals <- syscall.SIGHUP
		select {
		case sig := <-ignoredSignals(ctx):
			if sig != syscall.SIGHUP {
				t.Errorf("handed on %v, want hangup", sig)
			}
		case <-time.After(safeTimeout):
			t.Fatal("SIGHUP was not handed on")
		}
		if ctx.Err() != nil {
			t.Errorf("SIGHUP stopped the context: %v", context.Cause(ctx))
		}
	})
	t.Run("SIGQUIT first is urgent at once", func(t *testing.T) {
		signals := make(chan os.Signal, 1)
		ctx := StopOn(t.Context(), signals)
		signals <- syscall.SIGQUIT
		<-ctx.Done()
		var stop *stopSignal
		if !errors.As(context.Cause(ctx), &stop) {
			t.Fatalf("cause = %v, want the signal", context.Cause(ctx))
		}
		select {
		case <-stop.urgent:
		default:
			t.Fatal("SIGQUIT did not make the stop urgent")
		}
		if !stop.quit() {
			t.Error("quit() = false after SIGQUIT")
		}
	})
	t.Run("SIGQUIT second", func(t *testing.T) {
		signals := make(chan os.Signal, 2)
		ctx := StopOn(t.Context(), signals)
		signals <- syscall.SIGTERM
		<-ctx.Done()
		var stop *stopSignal
		errors.As(context.Cause(ctx), &stop)
		if stop == nil || stop.quit() {
			t.Fatalf("after SIGTERM: cause %v, quit %t", context.Cause(ctx), stop != nil && stop.quit())
		}
		signals <- syscall.SIGQUIT
		select {
		case <-stop.urgent:
		case <-time.After(safeTimeout):
			t.Fatal("SIGQUIT did not make the stop urgent")
		}
		if !stop.quit() {
			t.Error("quit() = false after SIGQUIT")
		}
	})
	t.Run("parent ends", func(t *testing.T) {
		parent, cancel := context.WithCancel(t.Context())
		ctx := StopOn(parent, make(chan os.Signal))
		cancel()
		<-ctx.Done()
		if !errors.Is(context.Cause(ctx), context.Canceled) {
			t.Errorf("cause = %v, want the parent's", context.Cause(ctx))
		}
	})
	t.Run("signals closed", func(t *testing.T) {
		signals := make(chan os.Signal)
		ctx := StopOn(t.Context(), signals)
		close(signals)
		time.Sleep(10 * time.Millisecond)
		if ctx.Err() != nil {
			t.Errorf("a closed channel stopped the context: %v", context.Cause(ctx))
		}
	})
}

// TestServerConfigCopiesEverySetting: each setting of config.Config that
// server.Config has too (same name) reaches the server, and every other
// setting is one the server has no use for. A new setting that is
// forgotten in serverConfig fails here.
func TestServerConfigCopiesEverySetting(t *testing.T) {
	notForTheServer := map[string]bool{"AccessLog": true, "HealthcheckTimeout": true, "ShowVersion": true}
	var cfg config.Config
	cv := reflect.ValueOf(&cfg).Elem()
	st := reflect.TypeFor[server.Config]()
	var copied []string
	for i := range cv.NumField() {
		f := cv.Type().Field(i)
		if sf, ok := st.FieldByName(f.Name); ok && sf.Type == f.Type {
			copied = append(copied, f.Name)
		} else if !notForTheServer[f.Name] {
			t.Errorf("config.Config.%s is neither in server.Config nor known to be of no use to the server", f.Name)
		}
		setNonZero(t, "config.Config."+f.Name, cv.Field(i), 1000*(i+1))
	}
	accessLog := jsonlog.New(&bytes.Buffer{})
	got := reflect.ValueOf(serverConfig(cfg, accessLog))
	for _, name := range copied {
		if want := cv.FieldByName(name).Interface(); !reflect.DeepEqual(got.FieldByName(name).Interface(), want) {
			t.Errorf("server.Config.%s = %v, want %v", name, got.FieldByName(name).Interface(), want)
		}
	}
	if got.FieldByName("AccessLog").Interface() != accessLog {
		t.Error("the access log handler is not passed on")
	}
	if got.FieldByName("Build").Interface() != buildinfo.Get() {
		t.Error("the build information is not passed on")
	}
}

// setNonZero sets v, and each field of it if it is a struct, to a value
// that differs from its zero value and, for numbers, from that of every
// other field (n, n+1, ...).
func setNonZero(t *testing.T, name string, v reflect.Value, n int) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("127.0.0.1:1234")
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.ValueOf([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}))
	case reflect.Struct:
		for i := range v.NumField() {
			setNonZero(t, name+"."+v.Type().Field(i).Name, v.Field(i), n+1+i)
		}
	default:
		t.Fatalf("%s: no test value for kind %s", name, v.Kind())
	}
}
