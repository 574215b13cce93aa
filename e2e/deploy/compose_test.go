package deploy

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
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

// composeWait is what `docker compose up --wait` may take for hello to turn
// healthy (a safety net: it takes about 2 s, one health check interval). It
// stays below docker.Timeout, which bounds every compose command.
const composeWait = 90 * time.Second

// composeReplicas is how many hello replicas TestComposeUp scales to.
const composeReplicas = 3

// composeProject runs the real docker compose on deploy/compose.yaml and
// compose.publish.yaml, as project name, with env on top of the test
// process's environment.
type composeProject struct {
	name string
	env  []string
}

// cmd returns `docker compose` with the project's name and files, and args.
func (p composeProject) cmd(args ...string) command.Cmd {
	full := append([]string{"compose", "--project-name", p.name,
		"--file", "deploy/compose.yaml", "--file", "deploy/compose.publish.yaml"}, args...)
	return docker.Command(full...).In(repoRoot).Env(p.env...)
}

func (p composeProject) must(t *testing.T, args ...string) string {
	t.Helper()
	return p.cmd(args...).Must(t)
}

// down stops and removes the project's containers (one-off ones too),
// networks and volumes. The images are the test's, removed by their own
// cleanup.
func (p composeProject) down() error {
	_, err := p.cmd("down", "--volumes", "--remove-orphans", "--timeout", "30").Output()
	return err
}

// leftovers lists the containers, networks and volumes that still carry the
// project's label.
func (p composeProject) leftovers(t *testing.T) []string {
	t.Helper()
	filter := "label=com.docker.compose.project=" + p.name
	var left []string
	for _, kind := range [][]string{{"ps", "-a"}, {"network", "ls"}, {"volume", "ls"}} {
		args := append(append([]string(nil), kind...), "--quiet", "--filter", filter)
		for _, id := range strings.Fields(docker.Must(t, args...)) {
			left = append(left, kind[0]+" "+id)
		}
	}
	return left
}

// requireCompose skips t, or fails it when CI is set, unless an engine
// answers and the docker compose plugin runs; it returns the plugin's
// version. scripts/machine/docker-engine.sh start builds the pinned one.
func requireCompose(t *testing.T) string {
	t.Helper()
	docker.RequireEngine(t)
	v, err := docker.Command("compose", "version", "--short").Output()
	if err != nil {
		command.Unavailable(t, "no docker compose plugin (scripts/machine/docker-engine.sh start builds the pinned one): %v", err)
	}
	return v
}

// freePortRange returns the first of n consecutive TCP ports that nothing
// listens on, on any address, for HELLO_PORT as a range: the engine gives
// each replica one port of it. Another program could take one between
// this check and compose up; on a test machine that is unlikely.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for range 20 {
		// Every address, as the engine publishes: the port must be free on all.
		l, err := net.Listen("tcp", ":0") //nolint:gosec // listens for a moment, serves nothing
		if err != nil {
			t.Fatal(err)
		}
		first := l.Addr().(*net.TCPAddr).Port
		held := []net.Listener{l}
		ok := first+n-1 <= 65535
		for port := first + 1; ok && port < first+n; port++ {
			l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
			if ok = err == nil; ok {
				held = append(held, l)
			}
		}
		for _, l := range held {
			l.Close()
		}
		if ok {
			return first
		}
	}
	t.Fatalf("no %d consecutive free TCP ports found", n)
	return 0
}

// publishedAddrs returns the loopback address of each hello replica's
// published port 80, by replica index.
func publishedAddrs(t *testing.T, p composeProject, n int) []string {
	t.Helper()
	var addrs []string
	for i := 1; i <= n; i++ {
		out := p.must(t, "port", "--index", strconv.Itoa(i), "hello", "80")
		_, port, err := net.SplitHostPort(out)
		if err != nil {
			t.Fatalf("docker compose port --index %d hello 80 = %q: %v", i, out, err)
		}
		addrs = append(addrs, net.JoinHostPort("127.0.0.1", port))
	}
	return addrs
}

// TestComposeUp runs deploy/compose.yaml with compose.publish.yaml on the
// real docker compose, on one engine, as a user would: up --wait (hello
// healthy, answering the seed's body on its published port), the calculator
// as a one-shot job both from up and from run, a scale to three replicas
// each answering on its own port, then down, which must leave no
// container, network or volume of the project behind.
func TestComposeUp(t *testing.T) {
	t.Parallel()
	version := requireCompose(t)
	name := docker.UniqueName("compose")
	hello, calculator := "hello:"+name, "calculator:"+name
	// Cleanups run in reverse: the project goes before its images.
	buildReleaseImage(t, "hello", "v0.0.0-compose", hello)
	buildReleaseImage(t, "calculator", "v0.0.0-compose", calculator)
	first := freePortRange(t, composeReplicas)
	portRange := fmt.Sprintf("%d-%d", first, first+composeReplicas-1)
	p := composeProject{name: name, env: []string{
		"HELLO_IMAGE=" + hello, "CALCULATOR_IMAGE=" + calculator,
		"HELLO_REPLICAS=1", "HELLO_PORT=" + portRange,
	}}
	t.Cleanup(func() {
		if err := p.down(); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
	t.Logf("docker compose %s, project %s, HELLO_PORT=%s", version, name, portRange)
	checkComposeWarnings(t, p)

	wait := []string{"--wait", "--wait-timeout", strconv.Itoa(int(composeWait.Seconds()))}
	// hello only: --wait fails on a container that exits, and the
	// calculator job exits by design.
	p.must(t, append(append([]string{"up", "--detach"}, wait...), "hello")...)
	addrs := publishedAddrs(t, p, 1)
	if code, body := get(t, "http://"+addrs[0]+"/"); code != 200 || body != greeting {
		t.Fatalf("GET / on the published port %s = %d %q, want 200 %q", addrs[0], code, body, greeting)
	}

	// The job as `up` starts it: its command prints 14, exit 0, no restart.
	p.must(t, "up", "--detach", "calculator")
	if r := p.cmd("wait", "calculator").Run(t); r.Code != 0 {
		t.Errorf("calculator job: docker compose wait: %s (want exit 0, the job's)", r)
	}
	if out := p.must(t, "logs", "--no-log-prefix", "calculator"); out != "14" {
		t.Errorf("calculator job printed %q, want 14", out)
	}
	// And run with other arguments, removed after.
	if out := p.must(t, "run", "--rm", "-T", "calculator", "1+2"); out != "3" {
		t.Errorf("docker compose run --rm calculator 1+2 printed %q, want 3", out)
	}

	p.must(t, append(append([]string{"up", "--detach", "--scale", "hello=" + strconv.Itoa(composeReplicas)}, wait...), "hello")...)
	if ids := strings.Fields(p.must(t, "ps", "--quiet", "--status", "running", "hello")); len(ids) != composeReplicas {
		t.Fatalf("after scaling, %d hello containers run, want %d", len(ids), composeReplicas)
	}
	addrs = publishedAddrs(t, p, composeReplicas)
	for i, addr := range addrs {
		if code, body := get(t, "http://"+addr+"/"); code != 200 || body != greeting {
			t.Errorf("replica %d: GET / on %s = %d %q, want 200 %q", i+1, addr, code, body, greeting)
		}
	}
	if distinct := len(slices.Compact(slices.Sorted(slices.Values(addrs)))); distinct != composeReplicas {
		t.Errorf("replicas published on %v: want one port each", addrs)
	}

	if err := p.down(); err != nil {
		t.Fatal(err)
	}
	if left := p.leftovers(t); len(left) > 0 {
		t.Errorf("docker compose down left %v of project %s", left, name)
	}
}

// swarmOnly are the settings of compose.yaml that only a swarm applies;
// docker compose (v5) warns that it ignores them, and must warn of nothing
// else, or a setting meant for compose would be lost silently.
var swarmOnly = []string{"deploy.mode", "deploy.endpoint_mode", "deploy.update_config", "deploy.rollback_config"}

// checkComposeWarnings: what docker compose warns about while loading the
// project is only the swarm-only settings.
func checkComposeWarnings(t *testing.T, p composeProject) {
	t.Helper()
	r := p.cmd("config", "--quiet").Run(t)
	if r.Code != 0 {
		t.Fatalf("docker compose config: %s", r)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		if line == "" {
			continue
		}
		if !slices.ContainsFunc(swarmOnly, func(key string) bool { return strings.Contains(line, key+": ") }) {
			t.Errorf("docker compose config warns: %s\nwant warnings only about the swarm-only %v", line, swarmOnly)
		}
	}
}
