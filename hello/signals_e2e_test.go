package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// asPID1 starts the server as PID 1 of a PID namespace of its own, as in a
// container, where the kernel drops every signal PID 1 has no handler for.
// It needs CAP_SYS_ADMIN (root); elsewhere the test is skipped, saying so.
func asPID1(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	if err := probeNamespace(attr); err != nil {
		t.Skipf("cannot start a process in a PID namespace of its own here (%v); the plain-process case runs", err)
	}
	return startServerWith(t, attr, bin, nil, args...)
}

// probeNamespace reports whether a process can start with attr: it runs
// true(1) so.
func probeNamespace(attr *syscall.SysProcAttr) error {
	cmd := exec.Command("true")
	cmd.SysProcAttr = attr
	return cmd.Run()
}

// TestSignals sends each signal to the real binary, as a plain child
// process and as PID 1: SIGHUP is logged and ignored (the server keeps
// serving, a SIGTERM then stops it with 0); SIGQUIT writes every goroutine's
// stack to stderr and exits 3 at once, without losing the access lines of
// the requests answered before it; SIGINT shuts down gracefully like
// SIGTERM.
func TestSignals(t *testing.T) {
	for _, pid1 := range []bool{false, true} {
		start := func(t *testing.T) *proc {
			t.Helper()
			args := []string{"-addr", "127.0.0.1:0"}
			if pid1 {
				return asPID1(t, releaseBin, args...)
			}
			return startServer(t, releaseBin, nil, args...)
		}
		name := "plain process"
		if pid1 {
			name = "PID 1"
		}
		t.Run(name, func(t *testing.T) {
			t.Run("SIGHUP", func(t *testing.T) {
				p := start(t)
				p.signal(syscall.SIGHUP)
				r := p.waitFor("signal ignored: hello has nothing to reload; SIGTERM stops it")
				if r["signal"] != "hangup" {
					t.Errorf("record %v does not name the hangup", r)
				}
				if code, body := get(t, p.url+"/"); code != 200 || body != "Hello from Multi-Stage Build!" {
					t.Errorf("after SIGHUP: %d %q, want the greeting", code, body)
				}
				p.signal(syscall.SIGTERM)
				if code := p.exitCode(); code != 0 {
					t.Errorf("exit code after SIGHUP, SIGTERM = %d, want 0", code)
				}
				if n := len(p.find("request")); n != 1 {
					t.Errorf("%d access lines, want 1", n)
				}
			})
			t.Run("SIGQUIT", func(t *testing.T) {
				p := start(t)
				const n = 5
				for range n {
					get(t, p.url+"/")
				}
				// An access line follows its answer: wait for all, so that the
				// signal cannot come between an answer and its line.
				p.waitForN("request", n)
				p.signal(syscall.SIGQUIT)
				if code := p.exitCode(); code != 3 {
					t.Errorf("exit code after SIGQUIT = %d, want 3", code)
				}
				if stderr := p.stderr.String(); !strings.Contains(stderr, "goroutine 1 [") {
					t.Errorf("no goroutine dump on stderr:\n%s", stderr)
				}
				if r := p.find("SIGQUIT received, goroutine stacks written to stderr, exiting without draining"); len(r) != 1 || r[0]["signal"] != "quit" {
					t.Errorf("SIGQUIT records = %v", r)
				}
				if got := len(p.find("request")); got != n {
					t.Errorf("%d access lines for %d requests", got, n)
				}
			})
			t.Run("SIGINT", func(t *testing.T) {
				p := start(t)
				get(t, p.url+"/")
				p.signal(syscall.SIGINT)
				if code := p.exitCode(); code != 0 {
					t.Errorf("exit code after SIGINT = %d, want 0", code)
				}
				if r := p.find("signal received, shutting down"); len(r) != 1 || r[0]["signal"] != "interrupt" {
					t.Errorf("signal records = %v", r)
				}
				if n := len(p.find("request")); n != 1 {
					t.Errorf("%d access lines, want 1", n)
				}
			})
		})
	}
}
