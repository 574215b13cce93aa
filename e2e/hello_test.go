package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/docker"
)

const greeting = "Hello from Multi-Stage Build!"

// hardened are the docker run flags of a locked-down deployment.
var hardened = []string{
	"--read-only", "--cap-drop", "ALL",
	"--security-opt", "no-new-privileges", "--user", "65532:65532",
}

// TestHelloSeed000 runs seed 000's command with our images: the container
// named go-app answers the greeting on the host's port 80.
func TestHelloSeed000(t *testing.T) {
	for _, img := range helloImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			name := img.require(t)
			const container = "go-app"
			runSeed000(t, container, name)
			body := docker.WaitHTTP(t, container, "http://127.0.0.1:80/")
			if got := strings.TrimSpace(body); got != greeting {
				t.Errorf("GET / on port 80 = %q, want %q", got, greeting)
			}
		})
	}
}

// runSeed000 runs `docker run -d --name go-app -p 80:80 IMAGE`, the seed's
// command. Another run of these tests on the same engine may hold the name
// or the port for a while: it waits for them (up to docker.WaitTimeout),
// never removing a container it did not create.
func runSeed000(t *testing.T, container, image string) {
	t.Helper()
	deadline := time.Now().Add(docker.WaitTimeout)
	for {
		r := docker.Run(t, "run", "-d", "--name", container, "-p", "80:80", image)
		if r.Code == 0 {
			docker.RemoveOnCleanup(t, container)
			return
		}
		nameTaken := strings.Contains(r.Stderr, "is already in use")
		portTaken := strings.Contains(r.Stderr, "already allocated") || strings.Contains(r.Stderr, "address already in use")
		if portTaken {
			// Created but not started: the container is ours to remove.
			docker.Run(t, "rm", "-f", container)
		}
		if !(nameTaken || portTaken) || time.Now().After(deadline) {
			t.Fatalf("docker run -d --name %s -p 80:80 %s: %s", container, image, r)
		}
		time.Sleep(time.Second)
	}
}

// TestHelloHealthy waits for each flavour to turn healthy through its own
// HEALTHCHECK (which must work without a shell).
func TestHelloHealthy(t *testing.T) {
	t.Parallel()
	for _, img := range helloImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			t.Parallel()
			name := img.require(t)
			id := docker.Start(t, name)
			docker.WaitHealthy(t, id)
		})
	}
}

// TestHelloStop checks that docker stop (SIGTERM) ends an idle server at
// once with exit code 0, not with the 10 s kill that a server ignoring
// SIGTERM gets.
func TestHelloStop(t *testing.T) {
	for _, img := range helloImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			name := img.require(t)
			id := docker.Start(t, "-p", "127.0.0.1::80", name)
			docker.WaitHTTP(t, id, "http://"+docker.HostAddr(t, id, "80/tcp")+"/")
			stopAndCheck(t, id, 2*time.Second)
		})
	}
}

// TestHelloStopDrainsInFlight stops a server while a slow request is in
// flight: the request completes, then the server exits 0 well before
// docker's 10 s kill. The slow route exists only in binaries built with
// -tags e2etest, so the test builds such an image of each flavour.
func TestHelloStopDrainsInFlight(t *testing.T) {
	for _, img := range helloImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			name := docker.BuildImage(t, docker.Build{
				Root:       repoRoot,
				Context:    repoRoot,
				Dockerfile: repoRoot + "/Dockerfile.hello",
				Target:     "source-" + img.Flavour(),
				Args:       map[string]string{"GO_BUILD_TAGS": "e2etest"},
			})
			id := docker.Start(t, "-p", "127.0.0.1::80", name)
			base := "http://" + docker.HostAddr(t, id, "80/tcp")
			docker.WaitHTTP(t, id, base+"/")

			// The route sends its headers at once and its body after 1 s, so
			// once Get returns, the request is in flight.
			client := &http.Client{Timeout: 30 * time.Second}
			resp, err := client.Get(base + "/_test/slow?d=1s")
			if err != nil {
				t.Fatalf("GET /_test/slow: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /_test/slow: status %d, want 200 (was the image built with -tags e2etest?)", resp.StatusCode)
			}

			// docker stop runs beside the read; t.Fatal must stay on this goroutine.
			type stopped struct {
				start time.Time
				err   error
			}
			done := make(chan stopped, 1)
			go func() {
				start := time.Now()
				_, err := docker.Command("stop", id).Output()
				done <- stopped{start, err}
			}()
			body, err := io.ReadAll(resp.Body)
			if err != nil || string(body) != "slow done" {
				t.Errorf("in-flight request during docker stop: body %q, error %v; want %q", body, err, "slow done")
			}
			res := <-done
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkStopped(t, id, res.start, 2*time.Second)
		})
	}
}

// stopAndCheck runs docker stop on the container and checks that it ended
// with exit code 0 within limit (measured to the engine's finish time).
func stopAndCheck(t *testing.T, container string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	if r := docker.Run(t, "stop", container); r.Code != 0 {
		t.Fatalf("docker stop: %s", r)
	}
	checkStopped(t, container, start, limit)
}

// checkStopped checks that a container stopped at start ended with exit
// code 0 within limit.
func checkStopped(t *testing.T, container string, start time.Time, limit time.Duration) {
	t.Helper()
	s := docker.InspectContainer(t, container).State
	if s.Running {
		t.Fatalf("container %s still runs after docker stop", container)
	}
	took := s.FinishedAt.Sub(start)
	if took <= 0 { // clock granularity: fall back to what we saw
		took = time.Since(start)
	}
	t.Logf("docker stop: exit code %d after %v", s.ExitCode, took.Round(time.Millisecond))
	if s.ExitCode != 0 {
		t.Errorf("exit code after docker stop = %d, want 0\nlogs:\n%s", s.ExitCode, docker.Logs(t, container))
	}
	if took >= limit {
		t.Errorf("docker stop took %v, want under %v", took.Round(time.Millisecond), limit)
	}
}

// TestHelloHardened runs each flavour locked down: read-only root file
// system, no capabilities, no privilege escalation, the non-root user. It
// must still bind port 80, answer, and pass its health probe.
func TestHelloHardened(t *testing.T) {
	t.Parallel()
	for _, img := range helloImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			t.Parallel()
			name := img.require(t)
			args := append(append([]string{"-p", "127.0.0.1::80"}, hardened...), name)
			id := docker.Start(t, args...)
			body := docker.WaitHTTP(t, id, "http://"+docker.HostAddr(t, id, "80/tcp")+"/")
			if got := strings.TrimSpace(body); got != greeting {
				t.Errorf("GET / = %q, want %q", got, greeting)
			}
			if r := docker.Run(t, "exec", id, "/usr/local/bin/hello", "healthcheck"); r.Code != 0 {
				t.Errorf("hello healthcheck in a hardened container: %s", r)
			}
		})
	}
}
