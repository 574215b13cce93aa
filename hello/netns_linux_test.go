package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// netnsSetup brings loopback up and disables IPv6 on it, in the network
// namespace sh runs in, then execs the command given ("$@"). hello's own
// capability probe runs at its first listen, so the namespace must be set
// up before hello starts.
const netnsSetup = `set -e
ip link set lo up
echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6
exec "$@"`

// TestHealthcheckWithoutIPv6Loopback runs the release binary serving on
// [::]:P in a network namespace whose loopback has IPv4 only, as in a
// container started with net.ipv6.conf.lo.disable_ipv6=1. Go listens
// dual-stack there, [::1] cannot be reached, and the health check must
// still find the server on 127.0.0.1 for every wildcard form and for
// localhost.
func TestHealthcheckWithoutIPv6Loopback(t *testing.T) {
	requireNetns(t)
	cmd := exec.Command("sh", "-c", netnsSetup, "sh", releaseBin, "-addr", "[::]:0", "-access-log=false")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	p := startCmd(t, cmd)
	host, port, err := net.SplitHostPort(p.addr)
	if err != nil || host != "::" {
		t.Fatalf("server listens on %q, want [::]:P", p.addr)
	}
	inNetns := func(args ...string) (int, string, string) {
		t.Helper()
		nsArgs := append([]string{fmt.Sprintf("--net=/proc/%d/ns/net", p.cmd.Process.Pid)}, args...)
		return runHello(t, "nsenter", nil, nsArgs...)
	}
	if _, out, _ := inNetns("cat", "/proc/sys/net/ipv6/conf/lo/disable_ipv6"); strings.TrimSpace(out) != "1" {
		t.Fatalf("IPv6 is not disabled on the namespace's loopback: disable_ipv6 = %q", out)
	}

	tests := []struct {
		addr     string
		wantCode int
		want     string // in stdout (code 0) or stderr (code 1)
	}{
		{"[::]:" + port, 0, "healthy"},
		{":" + port, 0, "healthy"},
		{"0.0.0.0:" + port, 0, "healthy"},
		{"localhost:" + port, 0, "healthy"},
		{"127.0.0.1:" + port, 0, "healthy"},
		// The control: [::1] cannot be reached, which is what a probe of
		// [::1] alone, hello's probe before issue 23, ran into.
		{"[::1]:" + port, 1, "[::1]:" + port},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			code, stdout, stderr := inNetns(releaseBin, "healthcheck", "-addr", tt.addr, "-timeout", "5s")
			out := stdout
			if code != 0 {
				out = stderr
			}
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Errorf("healthcheck -addr %s in the namespace: exit %d, stdout %q, stderr %q; want %d and %q",
					tt.addr, code, stdout, stderr, tt.wantCode, tt.want)
			}
		})
	}
}

// requireNetns skips the test unless it may create a network namespace
// and has sh, ip and nsenter to set it up and enter it.
func requireNetns(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"sh", "ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s to set up a network namespace: %v", tool, err)
		}
	}
	probe := exec.Command("sh", "-c", netnsSetup, "sh", "true")
	probe.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace with IPv6 disabled on loopback "+
			"(needs root or CAP_SYS_ADMIN and CAP_NET_ADMIN): %v %s", err, out)
	}
}
