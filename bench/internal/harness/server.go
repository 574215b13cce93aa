package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/go-multistage/multistage/bench/internal/procfs"
)

// server is an HTTP server process started by the harness.
type server struct {
	name  string
	addr  string // host:port on loopback
	url   string // http://addr/
	cmd   *exec.Cmd
	done  chan struct{} // closed when the process has exited
	state *os.ProcessState
	err   error // from Wait, other than a non-zero exit
	ended time.Time
}

// serverSpec describes how to start one server on a given port.
type serverSpec struct {
	name string
	argv func(port int) []string
	// env, if set, gives variables to add to the harness's environment.
	env func(port int) []string
	// stdout receives the server's standard output (its access log).
	stdout *os.File
}

// seedServerSpec is the seed's server on loopback, with extra environment
// (SEED_TIMEOUTS=1); its one line of output goes to stdout.
func (h *Harness) seedServerSpec(name string, stdout *os.File, extra ...string) serverSpec {
	return seedSpec(name, h.bin.seedServer, stdout, extra...)
}

// seedSpec runs the seed's server bin, which takes its address from
// SEED_ADDR (bench/baseline/seedserver).
func seedSpec(name, bin string, stdout *os.File, extra ...string) serverSpec {
	return serverSpec{name: name, stdout: stdout,
		argv: func(int) []string { return []string{bin} },
		env: func(port int) []string {
			return append([]string{"SEED_ADDR=127.0.0.1:" + strconv.Itoa(port)}, extra...)
		},
	}
}

// helloSpec is our server on loopback, with extra flags; its access log
// goes to stdout.
func (h *Harness) helloSpec(name string, stdout *os.File, extra ...string) serverSpec {
	return serverSpec{name: name, stdout: stdout, argv: func(port int) []string {
		return append([]string{h.bin.hello, "-addr", "127.0.0.1:" + strconv.Itoa(port)}, extra...)
	}}
}

// pinned returns argv run by taskset on the CPU list cpus (taskset execs
// it, so the pid is the program's), or argv itself if cpus is empty.
func pinned(cpus string, argv ...string) []string {
	if cpus == "" {
		return argv
	}
	return append([]string{"taskset", "-c", cpus}, argv...)
}

// startServer starts spec on a free loopback port, pinned to cpus with
// taskset (taskset execs the server, so the pid is the server's) and with
// GOMAXPROCS=1, and waits until GET / answers 200.
func startServer(ctx context.Context, spec serverSpec, cpus string, stderr io.Writer) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := pinned(cpus, spec.argv(port)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	if spec.env != nil {
		cmd.Env = append(cmd.Env, spec.env(port)...)
	}
	cmd.Stdout = spec.stdout
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", spec.name, err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	s := &server{name: spec.name, addr: addr, url: "http://" + addr + "/", cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		s.ended = time.Now()
		s.state = cmd.ProcessState
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			s.err = err
		}
		close(s.done)
	}()
	if err := s.waitReady(ctx, 10*time.Second); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls url until it answers 200.
func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	return waitHTTP(ctx, s.url, limit, s.done)
}

// waitHTTP polls url until it answers 200, the limit passes, or died is
// closed.
func waitHTTP(ctx context.Context, url string, limit time.Duration, died <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %v: %v", url, limit, err)
		}
		select {
		case <-died:
			return fmt.Errorf("the server for %s exited before it answered", url)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive returns an error if the server has exited.
func (s *server) alive() error {
	select {
	case <-s.done:
		return fmt.Errorf("%s exited unexpectedly: %v", s.name, s.exitDescription())
	default:
		return nil
	}
}

// peakRSS returns the server's VmHWM.
func (s *server) peakRSS() (int64, error) {
	return procfs.PeakRSS(s.cmd.Process.Pid)
}

// terminate sends SIGTERM and waits up to limit for the exit, then kills.
// It reports whether the server exited by itself.
func (s *server) terminate(limit time.Duration) bool {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return true
	case <-time.After(limit):
		s.kill()
		return false
	}
}

// kill ends the server at once and waits for it.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// exitDescription says how the process ended: "exit 0", "exit 2" or
// "killed by signal terminated".
func (s *server) exitDescription() string {
	if s.err != nil {
		return s.err.Error()
	}
	return describeExit(s.state)
}

// describeExit says how a process ended.
func describeExit(st *os.ProcessState) string {
	if st == nil {
		return "still running"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by signal " + ws.Signal().String()
	}
	return "exit " + strconv.Itoa(st.ExitCode())
}
