// Package docker drives the Docker engine of the end-to-end tests through
// the docker CLI, on top of package command: whether an engine answers,
// what `docker image inspect` and `docker inspect` say, starting containers
// and waiting for them to answer or turn healthy, building images through
// scripts/docker-build.sh, and removing what a test created.
//
// The engine is shared with other people's work. This package removes only
// the containers and images its caller names (those the test created), it
// never prunes and never stops the engine, and what it creates carries Label
// and a UniqueName, so strays are easy to find. It speaks the CLI users
// type, not the engine's API: it must not grow a Docker SDK dependency.
package docker

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// Label marks every container the tests start, so that strays are easy to
// find: docker ps -a --filter label=io.github.go-multistage.e2e
const Label = "io.github.go-multistage.e2e"

// Safety nets, not speed targets: bounds that only stop a hung command or
// a container that never comes up from hanging the run.
const (
	Timeout      = 2 * time.Minute  // one docker command
	BuildTimeout = 10 * time.Minute // one image build
	WaitTimeout  = 60 * time.Second // a container to answer or turn healthy
)

// ErrNotFound is wrapped by the errors for an image or a container that
// the engine does not have.
var ErrNotFound = errors.New("not found")

// Command returns the docker command with args and Timeout.
func Command(args ...string) command.Cmd {
	return command.New("docker", args...).Timeout(Timeout)
}

// Run runs docker with args for a test and returns how it ended. It fails
// tb if docker cannot start or outlives Timeout.
func Run(tb testing.TB, args ...string) command.Result {
	tb.Helper()
	return Command(args...).Run(tb)
}

// Must runs docker with args, fails tb unless it succeeds, and returns its
// standard output, white space trimmed.
func Must(tb testing.TB, args ...string) string {
	tb.Helper()
	return Command(args...).Must(tb)
}

// engineErr asks the engine once per test binary.
var engineErr = sync.OnceValue(func() error {
	_, err := command.New("docker", "info", "--format", "{{.ServerVersion}}").Timeout(20 * time.Second).Output()
	return err
})

// EngineError says why no Docker engine answers the docker CLI, or is nil.
// It asks the engine once per test binary.
func EngineError() error { return engineErr() }

// RequireEngine skips tb, or fails it when CI is set, if no engine answers.
func RequireEngine(tb testing.TB) {
	tb.Helper()
	if err := EngineError(); err != nil {
		command.Unavailable(tb, "no Docker engine: %v (start one with scripts/machine/docker-engine.sh start)", err)
	}
}

// UniqueName returns "e2e-<prefix>-" and random hex digits: a container,
// image, stack or network name that no other run on the engine uses.
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "e2e-" + prefix + "-" + hex.EncodeToString(b)
}

// OnCleanup runs docker with args when tb ends, and logs a failure.
func OnCleanup(tb testing.TB, args ...string) {
	tb.Helper()
	tb.Cleanup(func() {
		if _, err := Command(args...).Output(); err != nil {
			tb.Logf("cleanup: %v", err)
		}
	})
}

// RemoveOnCleanup removes the containers (running or not, with their
// anonymous volumes) when tb ends.
func RemoveOnCleanup(tb testing.TB, containers ...string) {
	tb.Helper()
	OnCleanup(tb, append([]string{"rm", "-f", "-v"}, containers...)...)
}

// RemoveImages removes the images refs from the engine; a ref it does not
// have is no error. A ref that is one of several tags of an image removes
// that tag only.
func RemoveImages(refs ...string) error {
	if len(refs) == 0 {
		return nil
	}
	c := Command(append([]string{"image", "rm", "-f"}, refs...)...)
	r, err := c.Exec()
	if err != nil {
		return err
	}
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		if line != "" && !isNotFound(line) {
			problems = append(problems, line)
		}
	}
	if r.Code != 0 || len(problems) > 0 {
		return fmt.Errorf("%s: exit status %d: %s", c, r.Code, strings.Join(problems, "\n"))
	}
	return nil
}

// RemoveImagesOnCleanup removes the images refs when tb ends, and reports
// a failure as an error of tb.
func RemoveImagesOnCleanup(tb testing.TB, refs ...string) {
	tb.Helper()
	tb.Cleanup(func() {
		if err := RemoveImages(refs...); err != nil {
			tb.Error(err)
		}
	})
}

// isNotFound reports whether a line of docker's standard error says that
// an image or container does not exist. The wording differs by client and
// engine ("Error: No such image: x", "Error response from daemon: no such
// image: x: No such image: x", "No such container", "No such object").
func isNotFound(line string) bool {
	return strings.Contains(strings.ToLower(line), "no such ")
}

// Start runs `docker run -d --label Label args...`, removes the container
// when tb ends, and returns its id.
func Start(tb testing.TB, args ...string) string {
	tb.Helper()
	full := append([]string{"run", "-d", "--label", Label}, args...)
	r := Run(tb, full...)
	id := strings.TrimSpace(r.Stdout)
	if id != "" {
		RemoveOnCleanup(tb, id) // created, even if it did not start
	}
	if r.Code != 0 {
		tb.Fatalf("docker %s: %s", strings.Join(full, " "), r)
	}
	return id
}

// Logs returns what the container wrote to its standard output and error.
func Logs(tb testing.TB, container string) string {
	tb.Helper()
	r := Run(tb, "logs", container)
	return r.Stdout + r.Stderr
}

// HostAddr returns the loopback address (127.0.0.1:PORT) that the
// container's port (such as "80/tcp") is published on; the test started
// it with -p 127.0.0.1::PORT.
func HostAddr(tb testing.TB, container, port string) string {
	tb.Helper()
	out := Must(tb, "port", container, port)
	addr, err := loopbackAddr(out)
	if err != nil {
		tb.Fatalf("docker port %s %s: %v", container, port, err)
	}
	return addr
}

// loopbackAddr picks the 127.0.0.1 address among docker port's lines
// (which may list 0.0.0.0 and [::] as well).
func loopbackAddr(out string) (string, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if addr := strings.TrimSpace(sc.Text()); strings.HasPrefix(addr, "127.0.0.1:") {
			return addr, nil
		}
	}
	return "", fmt.Errorf("no loopback address in %q", out)
}

// Build is an image that a test builds from the repository's Dockerfiles.
type Build struct {
	Root       string            // the repository: Root/scripts/docker-build.sh builds
	Context    string            // the build context directory
	Dockerfile string            // the Dockerfile's path
	Target     string            // the stage, or "" for the last one
	Platform   string            // such as linux/amd64, or "" for the engine's
	Args       map[string]string // build arguments; GO_IMAGE or ALPINE_IMAGE here replace the environment's
	Tag        string            // the image's name, or "" for a UniqueName
}

// BaseVariables are the build arguments that choose the base images. When
// set in the environment (scripts/machine/standins.sh sets them offline), BuildImage
// passes them on; unset, the Dockerfiles' pinned defaults are pulled.
var BaseVariables = []string{"GO_IMAGE", "ALPINE_IMAGE"}

// BuildImage builds b through scripts/docker-build.sh, which picks the
// builder for every build of the repository, removes the image when tb ends,
// and returns its tag. A base image named in the environment but missing
// from the engine skips tb (fails it when CI is set).
func BuildImage(tb testing.TB, b Build) string {
	tb.Helper()
	RequireEngine(tb)
	tag := b.Tag
	if tag == "" {
		tag = UniqueName("build") + ":test"
	}
	args := []string{"--progress=plain", "-f", b.Dockerfile, "-t", tag}
	if b.Target != "" {
		args = append(args, "--target", b.Target)
	}
	if b.Platform != "" {
		args = append(args, "--platform", b.Platform)
	}
	for _, env := range BaseVariables {
		v, given := b.Args[env]
		if !given {
			v = os.Getenv(env)
		}
		if v == "" {
			continue
		}
		if _, ok := FindImage(tb, v); !ok {
			command.Unavailable(tb, "base image %s=%s not found: build the stand-ins with eval \"$(scripts/machine/standins.sh env)\"", env, v)
		}
		args = append(args, "--build-arg", env+"="+v)
	}
	for k, v := range b.Args {
		if !slices.Contains(BaseVariables, k) {
			args = append(args, "--build-arg", k+"="+v)
		}
	}
	args = append(args, b.Context)
	RemoveImagesOnCleanup(tb, tag)
	script := filepath.Join(b.Root, "scripts", "docker-build.sh")
	r := command.New(script, args...).Timeout(BuildTimeout).Run(tb)
	if r.Code != 0 {
		tb.Fatalf("scripts/docker-build.sh %s failed (exit %d):\n%s", strings.Join(args, " "), r.Code, command.Tail(r.Stderr+r.Stdout, 40))
	}
	return tag
}

// WaitHTTP polls url until it answers 200 and returns the body. A container
// that stops running ends the wait at once, with its logs.
func WaitHTTP(tb testing.TB, container, url string) string {
	tb.Helper()
	deadline := time.Now().Add(WaitTimeout)
	var last string
	for time.Now().Before(deadline) {
		body, err := get(url)
		if err == nil {
			return body
		}
		last = err.Error()
		if !InspectContainer(tb, container).State.Running {
			tb.Fatalf("container %s exited before %s answered; logs:\n%s", container, url, Logs(tb, container))
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("%s did not answer 200 within %v (safety net): %s\nlogs:\n%s", url, WaitTimeout, last, Logs(tb, container))
	return ""
}

// WaitHealthy polls the container's health status until it is healthy,
// failing tb as soon as it is unhealthy or stops.
func WaitHealthy(tb testing.TB, container string) {
	tb.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for time.Now().Before(deadline) {
		s := InspectContainer(tb, container).State
		switch {
		case s.Health == nil:
			tb.Fatalf("container %s has no health status: the image has no HEALTHCHECK", container)
		case s.Health.Status == "healthy":
			return
		case s.Health.Status == "unhealthy" || !s.Running:
			tb.Fatalf("container %s is %s (running %v); health log: %+v\nlogs:\n%s",
				container, s.Health.Status, s.Running, s.Health.Log, Logs(tb, container))
		}
		time.Sleep(250 * time.Millisecond)
	}
	tb.Fatalf("container %s not healthy within %v (safety net): %+v", container, WaitTimeout, InspectContainer(tb, container).State.Health)
}
