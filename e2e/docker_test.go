package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Safety nets, not speed assertions: generous bounds that only stop a hung
// command from hanging the whole run.
const (
	runTimeout   = 60 * time.Second
	buildTimeout = 10 * time.Minute
	waitTimeout  = 60 * time.Second
)

// containerLabel marks every container the tests start, so that strays are
// easy to find: docker ps -a --filter label=io.github.go-multistage.e2e
const containerLabel = "io.github.go-multistage.e2e"

var (
	// repoRoot is the repository's root: the build context of the Dockerfiles.
	repoRoot string
	// engineErr says why no engine answers, or is nil.
	engineErr error
	// inCI turns every skip for a missing engine or image into a failure.
	inCI = os.Getenv("CI") != ""
)

func TestMain(m *testing.M) {
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	repoRoot = root
	engineErr = checkEngine()
	os.Exit(m.Run())
}

// checkEngine reports whether a Docker engine answers the docker CLI.
func checkEngine() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker info: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// unavailable skips the test for a missing prerequisite, or fails it when
// CI is set.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI {
		t.Fatalf("%s (CI is set: failing instead of skipping)", msg)
	}
	t.Skip(msg)
}

func requireEngine(t *testing.T) {
	t.Helper()
	if engineErr != nil {
		unavailable(t, "no Docker engine: %v (start one with scripts/docker-engine.sh)", engineErr)
	}
}

// image is an image under test, named by an environment variable.
type image struct {
	env, def string // variable and default name
	app      string // "hello" or "calculator"
	scratch  bool   // flavour: scratch, else alpine
}

var (
	helloAlpine  = image{env: "E2E_HELLO_ALPINE", def: "hello:dev", app: "hello"}
	helloScratch = image{env: "E2E_HELLO_SCRATCH", def: "hello:dev-scratch", app: "hello", scratch: true}
	calcScratch  = image{env: "E2E_CALC_SCRATCH", def: "calculator:dev", app: "calculator", scratch: true}
	calcAlpine   = image{env: "E2E_CALC_ALPINE", def: "calculator:dev-alpine", app: "calculator"}

	helloImages = []image{helloAlpine, helloScratch}
	calcImages  = []image{calcScratch, calcAlpine}
	allImages   = []image{helloAlpine, helloScratch, calcScratch, calcAlpine}
)

// Name returns the image reference to test.
func (i image) Name() string {
	if v := os.Getenv(i.env); v != "" {
		return v
	}
	return i.def
}

// Flavour returns "scratch" or "alpine".
func (i image) Flavour() string {
	if i.scratch {
		return "scratch"
	}
	return "alpine"
}

// require skips (or fails in CI) when the engine or the image is missing,
// and returns the image's name.
func (i image) require(t *testing.T) string {
	t.Helper()
	requireEngine(t)
	name := i.Name()
	if r := docker(t, "", "image", "inspect", "--format", "{{.Id}}", name); r.code != 0 {
		unavailable(t, "image %s (%s) not found: build it with scripts/build-images.sh (make images) or set %s",
			name, i.Flavour(), i.env)
	}
	return name
}

// result is what a finished docker command gave.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// docker runs the docker CLI with stdin and returns its output and exit
// code. It fails the test if the command cannot run or outlives runTimeout.
func docker(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return dockerTimeout(t, runTimeout, nil, stdin, args...)
}

func dockerTimeout(t *testing.T, timeout time.Duration, env []string, stdin string, args ...string) result {
	t.Helper()
	return commandTimeout(t, timeout, env, stdin, "docker", args...)
}

// commandTimeout runs name with args like dockerTimeout runs docker.
func commandTimeout(t *testing.T, timeout time.Duration, env []string, stdin, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: still running after %v (safety net)\n%s", name, strings.Join(args, " "), timeout, r)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return r
}

// mustDocker runs a docker command that has to succeed and returns its
// trimmed standard output.
func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	r := docker(t, "", args...)
	if r.code != 0 {
		t.Fatalf("docker %s: %s", strings.Join(args, " "), r)
	}
	return strings.TrimSpace(r.stdout)
}

// uniqueName returns a container or image name no other run uses.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "e2e-" + prefix + "-" + hex.EncodeToString(b)
}

// startContainer runs `docker run -d <args>` and removes the container when
// the test ends. It returns the container's id.
func startContainer(t *testing.T, args ...string) string {
	t.Helper()
	full := append([]string{"run", "-d", "--label", containerLabel}, args...)
	r := docker(t, "", full...)
	id := strings.TrimSpace(r.stdout)
	if id != "" {
		removeOnCleanup(t, id)
	}
	if r.code != 0 {
		t.Fatalf("docker %s: %s", strings.Join(full, " "), r)
	}
	return id
}

// removeOnCleanup removes a container (running or not) when the test ends.
func removeOnCleanup(t *testing.T, container string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "docker", "rm", "-f", "-v", container).CombinedOutput(); err != nil {
			t.Logf("removing container %s: %v: %s", container, err, out)
		}
	})
}

// containerState is the part of `docker inspect` the tests read.
type containerState struct {
	Status     string
	Running    bool
	ExitCode   int
	StartedAt  time.Time
	FinishedAt time.Time
	Health     *struct {
		Status string
		Log    []struct {
			ExitCode int
			Output   string
		}
	}
}

func inspectState(t *testing.T, container string) containerState {
	t.Helper()
	var s containerState
	out := mustDocker(t, "inspect", "--format", "{{json .State}}", container)
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("docker inspect %s: %v in %s", container, err, out)
	}
	return s
}

// imageConfig is the part of `docker image inspect` the tests read.
type imageConfig struct {
	Size   int64
	Config struct {
		User         string
		Entrypoint   []string
		Cmd          []string
		Env          []string
		ExposedPorts map[string]struct{}
		Labels       map[string]string
		Healthcheck  *struct{ Test []string }
	}
}

func inspectImage(t *testing.T, name string) imageConfig {
	t.Helper()
	var c imageConfig
	out := mustDocker(t, "image", "inspect", "--format", "{{json .}}", name)
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("docker image inspect %s: %v", name, err)
	}
	return c
}

// hostAddr returns the loopback address that the container's port 80 is
// published on (containers are started with -p 127.0.0.1::80).
func hostAddr(t *testing.T, container string) string {
	t.Helper()
	out := mustDocker(t, "port", container, "80/tcp")
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if addr := strings.TrimSpace(sc.Text()); strings.HasPrefix(addr, "127.0.0.1:") {
			return addr
		}
	}
	t.Fatalf("docker port %s 80/tcp: no loopback address in %q", container, out)
	return ""
}

// waitHTTP polls url until it answers 200 and returns the body. A container
// that stops running ends the wait at once, with its logs.
func waitHTTP(t *testing.T, container, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(waitTimeout)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return string(body)
			}
			last = fmt.Sprintf("status %d, body %q, read error %v", resp.StatusCode, body, rerr)
		} else {
			last = err.Error()
		}
		if !inspectState(t, container).Running {
			t.Fatalf("container exited before %s answered; logs:\n%s", url, logs(t, container))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within %v (safety net): %s\nlogs:\n%s", url, waitTimeout, last, logs(t, container))
	return ""
}

// waitHealthy polls the container's health status until it is healthy.
func waitHealthy(t *testing.T, container string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		s := inspectState(t, container)
		switch {
		case s.Health == nil:
			t.Fatalf("container %s has no health status: the image has no HEALTHCHECK", container)
		case s.Health.Status == "healthy":
			return
		case s.Health.Status == "unhealthy" || !s.Running:
			t.Fatalf("container %s is %s (running %v); health log: %+v\nlogs:\n%s",
				container, s.Health.Status, s.Running, s.Health.Log, logs(t, container))
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("container %s not healthy within %v (safety net): %+v", container, waitTimeout, inspectState(t, container).Health)
}

func logs(t *testing.T, container string) string {
	t.Helper()
	r := docker(t, "", "logs", container)
	return r.stdout + r.stderr
}

// build describes an image that a test builds itself.
type build struct {
	context    string            // build context directory
	dockerfile string            // path of the Dockerfile
	target     string            // stage, or "" for the last one
	platform   string            // e.g. linux/amd64, or "" for the engine's
	args       map[string]string // build args besides the base images
}

// buildImage builds b into a fresh tag, removed when the test ends, and
// returns the tag. GO_IMAGE and ALPINE_IMAGE are passed on when set.
func buildImage(t *testing.T, b build) string {
	t.Helper()
	requireEngine(t)
	tag := uniqueName("build") + ":test"
	args := []string{"--progress=plain", "-f", b.dockerfile, "-t", tag}
	if b.target != "" {
		args = append(args, "--target", b.target)
	}
	if b.platform != "" {
		args = append(args, "--platform", b.platform)
	}
	for _, env := range []string{"GO_IMAGE", "ALPINE_IMAGE"} {
		v := os.Getenv(env)
		if v == "" {
			continue // the Dockerfile's default, pulled from its registry
		}
		if docker(t, "", "image", "inspect", "--format", "{{.Id}}", v).code != 0 {
			unavailable(t, "base image %s=%s not found: build the stand-ins with eval \"$(scripts/standins.sh env)\"", env, v)
		}
		args = append(args, "--build-arg", env+"="+v)
	}
	for k, v := range b.args {
		args = append(args, "--build-arg", k+"="+v)
	}
	args = append(args, b.context)
	// scripts/docker-build.sh picks the builder, for every build of the repository.
	r := commandTimeout(t, buildTimeout, nil, "", filepath.Join(repoRoot, "scripts", "docker-build.sh"), args...)
	if r.code != 0 {
		t.Fatalf("scripts/docker-build.sh %s failed (exit %d):\n%s", strings.Join(args, " "), r.code, tail(r.stderr+r.stdout, 40))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		_ = exec.CommandContext(ctx, "docker", "image", "rm", "-f", tag).Run() // best effort
	})
	return tag
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
