package deploy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/gobuild"
)

// helloBinary builds hello from the working tree (once per test binary).
func helloBinary(t *testing.T) string {
	t.Helper()
	return goBuild(t, "hello", "hello", ".", gobuild.Ldflags("hello", gobuild.Stamp{}))
}

// helloDefault returns hello's default for the environment variable name,
// as `hello -h` lists it ("env HELLO_GRACE_PERIOD, default 10s").
func helloDefault(t *testing.T, name string) string {
	t.Helper()
	r := command.New(helloBinary(t), "-h").Timeout(30 * time.Second).Run(t)
	re := regexp.MustCompile(`env ` + regexp.QuoteMeta(name) + `, default (\S+)`)
	m := re.FindStringSubmatch(r.Stderr + r.Stdout)
	if m == nil {
		t.Fatalf("hello -h lists no default for %s:\n%s", name, r)
	}
	return m[1]
}

// podEnv is the container's environment as the kubelet would set it:
// values, and resource limits through resourceFieldRef.
func podEnv(t *testing.T, c corev1.Container) []string {
	t.Helper()
	var out []string
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			ref := e.ValueFrom.ResourceFieldRef
			if ref == nil {
				t.Fatalf("env %s: only resourceFieldRef is expected, got %+v", e.Name, e.ValueFrom)
			}
			switch ref.Resource {
			case "limits.memory":
				v = fmt.Sprint(c.Resources.Limits.Memory().Value())
			default:
				t.Fatalf("env %s: resourceFieldRef %q not handled by this test", e.Name, ref.Resource)
			}
		}
		out = append(out, e.Name+"="+v)
	}
	return out
}

// liveHello is a hello process started by a test.
type liveHello struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

// startHello runs the hello binary with env (and only env, besides PATH) and
// -addr 127.0.0.1:0, and waits for it to log its address.
func startHello(t *testing.T, env []string) *liveHello {
	t.Helper()
	cmd := exec.Command(helloBinary(t), "-addr", "127.0.0.1:0") //nolint:forbidigo // a server kept running beside the test, killed at its end
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &liveHello{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "server started" {
				addr <- rec.Addr
			}
		}
		io.Copy(io.Discard, stdout)
		h.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	select {
	case h.addr = <-addr:
		return h
	case err := <-h.done:
		t.Fatalf("hello with %q exited before serving: %v\nstderr: %s", env, err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("hello with %q logged no address within 30 s (safety net)", env)
	}
	return nil
}

// get sends one GET without keep-alive and returns status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// TestKubernetesProbesAgainstHello runs the real hello binary with the
// Deployment's environment and sends it the kubelet's probes: every probe
// passes while it serves; after SIGTERM readiness fails while liveness and
// GET / still pass (for the whole shutdown delay), and it exits 0.
func TestKubernetesProbesAgainstHello(t *testing.T) {
	t.Parallel()
	m, err := decodeAll(render(t, kustomizations[0].dir))
	if err != nil {
		t.Fatal(err)
	}
	c := helloContainer(t, m.deployment)
	h := startHello(t, podEnv(t, c))
	base := "http://" + h.addr
	probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe}
	for name, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Fatalf("%s probe is not an HTTP GET", name)
		}
		if code, body := get(t, base+p.HTTPGet.Path); code != http.StatusOK {
			t.Errorf("%s probe GET %s = %d %q, want 200", name, p.HTTPGet.Path, code, body)
		}
	}

	delay := helloDuration(t, c, "HELLO_SHUTDOWN_DELAY")
	grace := helloDuration(t, c, "HELLO_GRACE_PERIOD")
	terminated := time.Now()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The signal is handled asynchronously: readiness must turn within 1 s.
	ready := c.ReadinessProbe.HTTPGet.Path
	for code, _ := get(t, base+ready); code != http.StatusServiceUnavailable; code, _ = get(t, base+ready) {
		if time.Since(terminated) > time.Second {
			t.Fatalf("readiness GET %s still %d 1 s after SIGTERM, want 503", ready, code)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Then probe through the delay, stopping a little before its end.
	for time.Since(terminated) < delay-delay/5 {
		if code, _ := get(t, base+c.ReadinessProbe.HTTPGet.Path); code != http.StatusServiceUnavailable {
			t.Errorf("%v after SIGTERM: readiness GET %s = %d, want 503", time.Since(terminated).Round(time.Millisecond), c.ReadinessProbe.HTTPGet.Path, code)
		}
		if code, _ := get(t, base+c.LivenessProbe.HTTPGet.Path); code != http.StatusOK {
			t.Errorf("%v after SIGTERM: liveness GET %s = %d, want 200 (a failing liveness probe kills the drain)", time.Since(terminated).Round(time.Millisecond), c.LivenessProbe.HTTPGet.Path, code)
		}
		if code, body := get(t, base+"/"); code != http.StatusOK || body != greeting {
			t.Errorf("%v after SIGTERM: GET / = %d %q, want 200 %q", time.Since(terminated).Round(time.Millisecond), code, body, greeting)
		}
		time.Sleep(500 * time.Millisecond)
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("hello after SIGTERM: %v, want exit 0", err)
		}
		if took := time.Since(terminated); took < delay {
			t.Errorf("hello exited %v after SIGTERM, before its shutdown delay %v", took, delay)
		}
	case <-time.After(delay + grace + 5*time.Second):
		t.Fatalf("hello still running %v after SIGTERM (delay %v + grace %v + 5 s)", time.Since(terminated), delay, grace)
	}
}
