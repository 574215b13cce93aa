package deploy

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads compose files as `docker compose` does (compose-go, the
// library it is built on: schema validation, interpolation, merging), with
// env as the only environment.
func loadCompose(t *testing.T, env map[string]string, files ...string) *types.Project {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(repoRoot, f))
	}
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	opts, err := cli.NewProjectOptions(paths, cli.WithEnv(envList), cli.WithName("deploy"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading %v as docker compose would: %v", files, err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestComposeDefaults: compose.yaml loads as docker compose loads it, and
// with no environment gives the published images, 3 replicas and vip.
func TestComposeDefaults(t *testing.T) {
	p := loadCompose(t, nil, "deploy/compose.yaml")
	hello := service(t, p, "hello")
	if hello.Image != "ghcr.io/go-multistage/hello:latest" {
		t.Errorf("hello image %q, want ghcr.io/go-multistage/hello:latest", hello.Image)
	}
	if calc := service(t, p, "calculator"); calc.Image != "ghcr.io/go-multistage/calculator:latest" {
		t.Errorf("calculator image %q, want ghcr.io/go-multistage/calculator:latest", calc.Image)
	}
	d := hello.Deploy
	if d == nil || d.Replicas == nil || *d.Replicas != 3 || d.EndpointMode != "vip" {
		t.Fatalf("hello deploy %+v: want 3 replicas, endpoint mode vip", d)
	}
	if len(hello.Ports) != 0 {
		t.Errorf("hello publishes %+v: compose.yaml publishes nothing, compose.publish.yaml does", hello.Ports)
	}
}

// TestComposeSettings checks what makes the stack lossless and locked down.
func TestComposeSettings(t *testing.T) {
	p := loadCompose(t, map[string]string{"HELLO_IMAGE": "hello:x", "HELLO_ENDPOINT_MODE": "dnsrr", "HELLO_REPLICAS": "5"}, "deploy/compose.yaml")
	hello := service(t, p, "hello")
	if hello.Image != "hello:x" || hello.Deploy.EndpointMode != "dnsrr" || *hello.Deploy.Replicas != 5 {
		t.Errorf("image %q, endpoint mode %q, replicas %d: the variables were not applied", hello.Image, hello.Deploy.EndpointMode, *hello.Deploy.Replicas)
	}
	checkComposeLockdown(t, hello)

	u := hello.Deploy.UpdateConfig
	if u == nil || u.Order != "start-first" || u.FailureAction != "rollback" || u.Parallelism == nil || *u.Parallelism != 1 || u.Monitor <= 0 {
		t.Errorf("update_config %+v: want start-first, one at a time, rollback on failure, a monitor window", u)
	}
	if rp := hello.Deploy.RestartPolicy; rp == nil || rp.Condition != "any" {
		t.Errorf("restart_policy %+v: want condition any (hello exits 0 on SIGTERM and must be replaced)", rp)
	}
	if r := hello.Deploy.Resources.Limits; r == nil || r.MemoryBytes == 0 || r.NanoCPUs == 0 || r.Pids == 0 {
		t.Errorf("resource limits %+v: want memory, CPUs and pids", r)
	} else {
		checkMemLimit(t, hello.Environment["GOMEMLIMIT"], int64(r.MemoryBytes))
	}

	hc := hello.HealthCheck
	if hc == nil || !slices.Equal(hc.Test, types.HealthCheckTest{"CMD", "/usr/local/bin/hello", "healthcheck"}) {
		t.Fatalf("healthcheck %+v: want the image's own, exec form", hc)
	}
	// hello healthcheck gives up after 2 s (its -timeout); the engine must
	// not cut it first.
	if hc.Timeout == nil || time.Duration(*hc.Timeout) < 2*time.Second {
		t.Errorf("healthcheck timeout %v, want ≥ 2 s", hc.Timeout)
	}

	addr := hello.Environment["HELLO_ADDR"]
	if addr == nil {
		t.Fatal("HELLO_ADDR unset: the health check must probe the port hello listens on")
	}
	if _, port, err := net.SplitHostPort(*addr); err != nil || port != "80" {
		t.Errorf("HELLO_ADDR=%q, want port 80, the image's EXPOSE", *addr)
	}
	delay := composeDuration(t, hello, "HELLO_SHUTDOWN_DELAY")
	grace := composeDuration(t, hello, "HELLO_GRACE_PERIOD")
	if hello.StopGracePeriod == nil || time.Duration(*hello.StopGracePeriod) < delay+grace {
		t.Errorf("stop_grace_period %v < HELLO_SHUTDOWN_DELAY %v + HELLO_GRACE_PERIOD %v: the engine would kill the drain", hello.StopGracePeriod, delay, grace)
	}

	if len(hello.Networks) != 1 || p.Networks["hello"].Attachable != true {
		t.Errorf("hello networks %v, network hello %+v: want one attachable network", hello.Networks, p.Networks["hello"])
	}

	calc := service(t, p, "calculator")
	checkComposeLockdown(t, calc)
	if rp := calc.Deploy.RestartPolicy; rp == nil || rp.Condition != "none" {
		t.Errorf("calculator restart_policy %+v: want none (a one-shot job)", rp)
	}
	if calc.NetworkMode != "none" {
		t.Errorf("calculator network_mode %q, want none", calc.NetworkMode)
	}
}

func checkComposeLockdown(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.User != "65532:65532" || !s.ReadOnly || !slices.Equal(s.CapDrop, []string{"ALL"}) || len(s.CapAdd) > 0 ||
		!slices.Contains(s.SecurityOpt, "no-new-privileges:true") || s.Privileged {
		t.Errorf("%s: user %q, read_only %v, cap_drop %v, cap_add %v, security_opt %v, privileged %v; want 65532:65532, true, [ALL], none, no-new-privileges, false",
			s.Name, s.User, s.ReadOnly, s.CapDrop, s.CapAdd, s.SecurityOpt, s.Privileged)
	}
}

// composeDuration returns a hello duration setting of the service, or
// hello's default when unset.
func composeDuration(t *testing.T, s types.ServiceConfig, name string) time.Duration {
	t.Helper()
	v := helloDefault(t, name)
	if p := s.Environment[name]; p != nil {
		v = *p
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// TestComposePublish: the override publishes hello's port 80 on HELLO_PORT.
func TestComposePublish(t *testing.T) {
	p := loadCompose(t, map[string]string{"HELLO_PORT": "9090"}, "deploy/compose.yaml", "deploy/compose.publish.yaml")
	ports := service(t, p, "hello").Ports
	if len(ports) != 1 || ports[0].Target != 80 || ports[0].Published != "9090" || ports[0].Mode != "ingress" {
		t.Errorf("ports %+v, want 9090 → 80 in ingress mode", ports)
	}
}

// TestComposeEnvAgainstHello runs the real hello binary with the service's
// environment: hello accepts it, serves, and after SIGTERM keeps serving
// for the shutdown delay, then exits 0 within the stop grace period.
func TestComposeEnvAgainstHello(t *testing.T) {
	t.Parallel()
	hello := service(t, loadCompose(t, nil, "deploy/compose.yaml"), "hello")
	var env []string
	for k, v := range hello.Environment {
		if k != "HELLO_ADDR" && v != nil { // -addr 127.0.0.1:0 instead of the container's port
			env = append(env, k+"="+*v)
		}
	}
	h := startHello(t, env)
	if code, body := get(t, "http://"+h.addr+"/"); code != 200 || body != greeting {
		t.Fatalf("GET / = %d %q", code, body)
	}
	delay := composeDuration(t, hello, "HELLO_SHUTDOWN_DELAY")
	terminated := time.Now()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay / 2)
	if code, body := get(t, "http://"+h.addr+"/"); code != 200 || body != greeting {
		t.Errorf("GET / %v after SIGTERM = %d %q, want the greeting (inside the shutdown delay)", time.Since(terminated).Round(time.Millisecond), code, body)
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("hello after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(time.Duration(*hello.StopGracePeriod)):
		t.Fatalf("hello still running %v after SIGTERM: the engine would kill it", time.Since(terminated))
	}
}
