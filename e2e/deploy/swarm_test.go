package deploy

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/deploy/swarmresult"
	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/gobuild"
)

// Safety nets against hangs, not speed targets.
const (
	convergeTimeout = 3 * time.Minute
	lockTimeout     = 15 * time.Minute
)

// swarmRate is the load client's steady request rate, per second.
const swarmRate = 200

// buildReleaseImage builds the release-scratch stage of Dockerfile.<app>
// from a binary compiled here with the given version, as GoReleaser does,
// and removes the image when the test ends.
func buildReleaseImage(t *testing.T, app, version, tag string) {
	t.Helper()
	bin := goBuild(t, app+"-"+version, app, ".", gobuild.Ldflags(app, gobuild.Stamp{Version: version}))
	ctxDir := t.TempDir()
	platform := "linux/" + runtime.GOARCH
	if err := os.MkdirAll(filepath.Join(ctxDir, platform), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, platform, app), data, 0o755); err != nil {
		t.Fatal(err)
	}
	docker.BuildImage(t, docker.Build{
		Root:       repoRoot,
		Context:    ctxDir,
		Dockerfile: filepath.Join(repoRoot, "Dockerfile."+app),
		Target:     "release-scratch",
		Platform:   platform,
		Args:       map[string]string{"VERSION": version},
		Tag:        tag,
	})
}

// importLoadImage puts the static swarmload binary into an image of its
// own (no base: docker import of a one-file tar) and returns its tag.
func importLoadImage(t *testing.T, tag string) {
	t.Helper()
	bin := goBuild(t, "swarmload", "e2e", "./deploy/swarmload", gobuild.Ldflags("e2e", gobuild.Stamp{}))
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "swarmload", Mode: 0o755, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	tw.Write(data)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	docker.RemoveImagesOnCleanup(t, tag)
	docker.Command("import", "--change", `ENTRYPOINT ["/swarmload"]`, "--change", "USER 65532:65532", "-", tag).Stdin(&buf).Must(t)
}

// lockSwarm serialises the swarm tests of every checkout on this machine:
// one test's swarm leave would tear down another's stack. It waits for the
// lock (up to lockTimeout) and holds it until the test's cleanups are done.
func lockSwarm(t *testing.T) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "go-multistage-swarm-test.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("swarm test lock: %v", err)
	}
	deadline := time.Now().Add(lockTimeout)
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			t.Fatalf("swarm test lock %s: %v", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			t.Fatalf("swarm test lock %s: another swarm test held it for %v (safety net)", path, lockTimeout)
		}
		if !logged {
			t.Logf("waiting for %s: another swarm test runs on this engine", path)
			logged = true
		}
		time.Sleep(time.Second)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// joinSwarm makes sure the engine is a swarm manager. An engine that was not
// in a swarm is initialised as a single-node swarm and leaves it when the
// test ends; the bridge network that swarm init creates goes with it.
func joinSwarm(t *testing.T) {
	t.Helper()
	state := docker.Must(t, "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
	switch state {
	case "active true":
		t.Log("the engine is already a swarm manager: using that swarm, and leaving it as it is")
		return
	case "inactive false":
	default:
		command.Unavailable(t, "the engine's swarm state is %q: neither a manager nor out of any swarm", state)
	}
	hadBridge := docker.Run(t, "network", "inspect", "docker_gwbridge").Code == 0
	if !hadBridge {
		t.Cleanup(func() {
			// Only once the swarm is left (this runs after the leave below).
			if _, err := docker.Command("network", "rm", "docker_gwbridge").Output(); err != nil {
				t.Logf("cleanup: removing docker_gwbridge: %v", err)
			}
		})
	}
	docker.OnCleanup(t, "swarm", "leave", "--force")
	docker.Must(t, "swarm", "init", "--advertise-addr", "127.0.0.1")
}

// task is a swarm task as docker inspect shows it.
type task struct {
	ID           string
	DesiredState string
	Spec         struct{ ContainerSpec struct{ Image string } }
	Status       struct {
		State           string
		Err             string
		ContainerStatus struct{ ContainerID string }
	}
}

// tasks returns the service's tasks (the current ones and the history).
func tasks(t *testing.T, service string) []task {
	t.Helper()
	for try := 0; ; try++ {
		ids := strings.Fields(docker.Must(t, "service", "ps", "-q", "--no-trunc", service))
		if len(ids) == 0 {
			return nil
		}
		// The swarm prunes old tasks at any moment: a task listed a moment
		// ago may be gone. List again then.
		r := docker.Run(t, append([]string{"inspect", "--type", "task"}, ids...)...)
		if r.Code != 0 && strings.Contains(r.Stderr, "not found") && try < 10 {
			continue
		}
		var out []task
		if err := json.Unmarshal([]byte(r.Stdout), &out); r.Code != 0 || err != nil {
			t.Fatalf("docker inspect tasks of %s: %v\n%s", service, err, r)
		}
		return out
	}
}

// converged reports whether service runs exactly n tasks of image, every
// one of them running (for a task with a health check: healthy), and no
// other container of the service still runs.
func converged(t *testing.T, service, image string, n int) (bool, string) {
	t.Helper()
	var running []string
	for _, tk := range tasks(t, service) {
		if tk.DesiredState != "running" {
			continue
		}
		if tk.Status.State != "running" || tk.Spec.ContainerSpec.Image != image {
			return false, fmt.Sprintf("task %s is %s with %s", tk.ID[:12], tk.Status.State, tk.Spec.ContainerSpec.Image)
		}
		running = append(running, tk.Status.ContainerStatus.ContainerID)
	}
	if len(running) != n {
		return false, fmt.Sprintf("%d tasks running, want %d", len(running), n)
	}
	live := strings.Fields(docker.Must(t, "ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name="+service))
	if len(live) != n {
		return false, fmt.Sprintf("%d containers still run, want %d", len(live), n)
	}
	return true, ""
}

// waitConverged polls until converged, failing the test after the safety
// net's timeout.
func waitConverged(t *testing.T, service, image string, n int) {
	t.Helper()
	deadline := time.Now().Add(convergeTimeout)
	for {
		ok, why := converged(t, service, image, n)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not converged to %d tasks of %s within %v (safety net): %s\n%s",
				service, n, image, convergeTimeout, why, docker.Must(t, "service", "ps", "--no-trunc", service))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitUpdate polls the service's update status until it completes, failing
// the test on a rollback or a pause.
func waitUpdate(t *testing.T, service string) {
	t.Helper()
	deadline := time.Now().Add(convergeTimeout)
	for {
		state := docker.Must(t, "service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}} {{.UpdateStatus.Message}}{{end}}", service)
		switch {
		case strings.HasPrefix(state, "completed"):
			return
		case strings.HasPrefix(state, "rollback"), strings.HasPrefix(state, "paused"):
			t.Fatalf("update of %s: %s\n%s", service, state, docker.Must(t, "service", "ps", "--no-trunc", service))
		case time.Now().After(deadline):
			t.Fatalf("update of %s not completed within %v (safety net): %q", service, convergeTimeout, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// stackEnv is the environment deploy/compose.yaml is deployed with.
func stackEnv(hello, calculator string) []string {
	return []string{"HELLO_IMAGE=" + hello, "CALCULATOR_IMAGE=" + calculator, "HELLO_ENDPOINT_MODE=dnsrr", "HELLO_REPLICAS=3"}
}

// deployStack runs docker stack deploy of deploy/compose.yaml. Local images
// have no registry digest to resolve.
func deployStack(t *testing.T, stack string, env []string) {
	t.Helper()
	docker.Command("stack", "deploy", "--resolve-image", "never", "-c", "deploy/compose.yaml", stack).In(repoRoot).Env(env...).Must(t)
}

// removeStackOnCleanup removes the stack when the test ends and waits for
// its containers and networks to go, so that the swarm can be left cleanly.
func removeStackOnCleanup(t *testing.T, stack string) {
	t.Helper()
	t.Cleanup(func() {
		if _, err := docker.Command("stack", "rm", stack).Output(); err != nil {
			t.Logf("cleanup: %v", err)
		}
		deadline := time.Now().Add(docker.Timeout)
		for time.Now().Before(deadline) {
			c := docker.Run(t, "ps", "-aq", "--filter", "label=com.docker.stack.namespace="+stack)
			n := docker.Run(t, "network", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+stack)
			if strings.TrimSpace(c.Stdout+n.Stdout) == "" {
				return
			}
			for _, id := range strings.Fields(n.Stdout) {
				docker.Run(t, "network", "rm", id)
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Logf("cleanup: containers or networks of stack %s still there after %v", stack, docker.Timeout)
	})
}

// TestSwarmRollingUpdate deploys deploy/compose.yaml as a stack on a
// single-node swarm (3 replicas, endpoint mode dnsrr), keeps a steady load
// on it from a client on the stack's network, and, under that load, rolls
// the service to a second image, stops one task's container with SIGTERM as
// a node drain would, and scales 3 → 1 → 3. No request may fail, and every
// answer must be the seed's body.
func TestSwarmRollingUpdate(t *testing.T) {
	docker.RequireEngine(t)
	stack := docker.UniqueName("swarm")
	service := stack + "_hello"
	imageA, imageB := "hello:"+stack+"-a", "hello:"+stack+"-b"
	calculator, loader := "calculator:"+stack, "swarmload:"+stack

	// Cleanups run in reverse: load client, stack, swarm, images, and the
	// lock last.
	lockSwarm(t)
	buildReleaseImage(t, "hello", "v0.0.0-swarm-a", imageA)
	buildReleaseImage(t, "hello", "v0.0.0-swarm-b", imageB)
	buildReleaseImage(t, "calculator", "v0.0.0-swarm", calculator)
	importLoadImage(t, loader)
	t.Logf("images built: %s, %s, %s, %s", imageA, imageB, calculator, loader)
	joinSwarm(t)
	removeStackOnCleanup(t, stack)

	deployStack(t, stack, stackEnv(imageA, calculator))
	waitConverged(t, service, imageA, 3)
	checkServiceSettings(t, service)
	checkCalculatorJob(t, stack+"_calculator")
	t.Logf("stack %s deployed: 3 tasks of %s healthy, calculator job done", stack, imageA)

	load := stack + "-load"
	docker.RemoveOnCleanup(t, load)
	docker.Must(t, "run", "-d", "--name", load, "--label", docker.Label, "--network", stack+"_hello",
		"--read-only", "--cap-drop", "ALL", loader, "-url", "http://hello/", "-rate", fmt.Sprint(swarmRate))
	waitAnswered(t, load)

	var phases []swarmresult.Phase
	step := func(name string, f func()) {
		phases = append(phases, swarmresult.Phase{Name: name, Start: time.Now()})
		f()
		p := &phases[len(phases)-1]
		p.End = time.Now()
		t.Logf("%s: %v", name, p.End.Sub(p.Start).Round(100*time.Millisecond))
	}
	pause := func() { time.Sleep(3 * time.Second) }
	step("steady, 3 replicas", pause)
	step("rolling update to a second image", func() {
		deployStack(t, stack, stackEnv(imageB, calculator))
		waitUpdate(t, service)
		waitConverged(t, service, imageB, 3)
	})
	step("steady, 3 replicas", pause)
	step("SIGTERM to one task's container, replaced", func() {
		stopOneTask(t, service)
		waitConverged(t, service, imageB, 3)
	})
	step("steady, 3 replicas", pause)
	step("scale 3 → 1", func() {
		docker.Must(t, "service", "scale", "--detach", service+"=1")
		waitConverged(t, service, imageB, 1)
	})
	step("steady, 1 replica", pause)
	step("scale 1 → 3", func() {
		docker.Must(t, "service", "scale", "--detach", service+"=3")
		waitConverged(t, service, imageB, 3)
	})
	step("steady, 3 replicas", pause)

	sum := stopLoad(t, load)
	res := account(sum, phases)
	report(t, res, sum)
	if path := os.Getenv("SWARM_RESULT"); path != "" {
		if err := os.WriteFile(path, res.Marshal(), 0o644); err != nil {
			t.Errorf("SWARM_RESULT: %v", err)
		}
	}

	if sum.Failed != 0 || sum.OK != sum.Sent {
		t.Errorf("%d of %d requests failed (ok %d); first failures: %v", sum.Failed, sum.Sent, sum.OK, firstEvents(sum.Failures, phases))
	}
	elapsed := phases[len(phases)-1].End.Sub(phases[0].Start)
	if least := int(elapsed.Seconds() * swarmRate / 2); sum.Sent < least {
		t.Errorf("only %d requests in %v at %d/s (want at least %d): the client did not keep the rate", sum.Sent, elapsed.Round(time.Second), swarmRate, least)
	}
	for _, p := range res.Phases {
		if p.Sent == 0 {
			t.Errorf("phase %q saw no request", p.Name)
		}
		// The swarm takes a task out of DNS before it signals it: no
		// client should find a closed port while the swarm itself
		// replaces or removes tasks.
		if p.Fallbacks > 0 && (strings.HasPrefix(p.Name, "rolling update") || strings.HasPrefix(p.Name, "scale")) {
			t.Errorf("phase %q: %d connections refused by tasks still in DNS", p.Name, p.Fallbacks)
		}
	}
}

// checkServiceSettings checks that the swarm applied what compose.yaml asks:
// dnsrr, the update order, and the locked-down container.
func checkServiceSettings(t *testing.T, service string) {
	t.Helper()
	var svc []struct {
		Spec struct {
			EndpointSpec struct{ Mode string }
			UpdateConfig struct{ Order, FailureAction string }
		}
	}
	if err := json.Unmarshal([]byte(docker.Must(t, "service", "inspect", service)), &svc); err != nil || len(svc) != 1 {
		t.Fatalf("docker service inspect %s: %v", service, err)
	}
	if s := svc[0].Spec; s.EndpointSpec.Mode != "dnsrr" || s.UpdateConfig.Order != "start-first" || s.UpdateConfig.FailureAction != "rollback" {
		t.Errorf("service %s: endpoint mode %q, update order %q, failure action %q; want dnsrr, start-first, rollback",
			service, s.EndpointSpec.Mode, s.UpdateConfig.Order, s.UpdateConfig.FailureAction)
	}
	cid := strings.Fields(docker.Must(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+service))[0]
	got := docker.InspectContainer(t, cid)
	if got.Config.User != "65532:65532" || !got.HostConfig.ReadonlyRootfs || !slices.Equal(got.HostConfig.CapDrop, []string{"ALL"}) ||
		got.HostConfig.Memory != 64<<20 || got.HostConfig.PidsLimit == nil || *got.HostConfig.PidsLimit != 128 {
		t.Errorf("task container: user %q, read-only %v, cap drop %v, memory %d, pids %v; want 65532:65532, true, [ALL], %d, 128",
			got.Config.User, got.HostConfig.ReadonlyRootfs, got.HostConfig.CapDrop, got.HostConfig.Memory, deref(got.HostConfig.PidsLimit), 64<<20)
	}
	if got.State.Health == nil || got.State.Health.Status != "healthy" {
		t.Errorf("task container health %+v, want healthy", got.State.Health)
	}
}

// checkCalculatorJob: the one-shot calculator service printed 14 and
// completed, never restarted.
func checkCalculatorJob(t *testing.T, service string) {
	t.Helper()
	deadline := time.Now().Add(convergeTimeout)
	for {
		ts := tasks(t, service)
		if len(ts) == 1 && ts[0].Status.State == "complete" {
			break
		}
		if len(ts) > 1 || (len(ts) == 1 && (ts[0].Status.State == "failed" || ts[0].Status.State == "rejected")) || time.Now().After(deadline) {
			t.Fatalf("calculator job: want one task that completes, got %+v", ts)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if out := docker.Must(t, "service", "logs", "--raw", service); out != "14" {
		t.Errorf("calculator job printed %q, want 14", out)
	}
}

// waitAnswered waits until the load client has started; its answers are
// only counted at the end, so this only checks it runs.
func waitAnswered(t *testing.T, container string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(docker.Run(t, "logs", container).Stderr, "requests/s") {
		if time.Now().After(deadline) {
			t.Fatalf("load client did not start: %s", docker.Run(t, "logs", container))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a first second of answers before the scenario
}

// stopOneTask sends SIGTERM to one running task's container (docker stop,
// with time for hello's whole drain) and checks that hello exited 0.
func stopOneTask(t *testing.T, service string) {
	t.Helper()
	cid := strings.Fields(docker.Must(t, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+service))[0]
	docker.Must(t, "stop", "--time", "30", cid)
	if code := docker.Must(t, "inspect", "--format", "{{.State.ExitCode}}", cid); code != "0" {
		t.Errorf("hello exited %s after SIGTERM, want 0", code)
	}
}

// stopLoad stops the load client (SIGTERM: it finishes the requests in
// flight) and returns its summary.
func stopLoad(t *testing.T, container string) swarmresult.Summary {
	t.Helper()
	docker.Must(t, "stop", "--time", "30", container)
	if code := docker.Must(t, "inspect", "--format", "{{.State.ExitCode}}", container); code != "0" {
		t.Fatalf("load client exited %s: %s", code, docker.Run(t, "logs", container))
	}
	r := docker.Run(t, "logs", container)
	var sum swarmresult.Summary
	if err := json.Unmarshal([]byte(r.Stdout), &sum); err != nil {
		t.Fatalf("load client summary: %v\n%s", err, r)
	}
	return sum
}

// account spreads the client's counts over the phases by start time.
func account(sum swarmresult.Summary, phases []swarmresult.Phase) swarmresult.Result {
	res := swarmresult.Result{Date: time.Now().UTC(), Rate: swarmRate, Replicas: 3,
		Sent: sum.Sent, OK: sum.OK, Failed: sum.Failed, Fallbacks: sum.Fallbacks, Addresses: len(sum.ByAddr), Resolutions: sum.Resolutions}
	res.Phases = append(res.Phases, swarmresult.Phase{Name: "start (client up, before the scenario)"})
	res.Phases = append(res.Phases, phases...)
	for _, b := range sum.Buckets {
		p := &res.Phases[phaseAt(b.Start, phases)]
		p.Sent += b.Sent
		p.OK += b.OK
		p.Failed += b.Failed
		p.Fallbacks += b.Fallbacks
	}
	return res
}

// phaseAt returns the index in [start, phases...] of the phase an instant
// (Unix nanoseconds) falls in.
func phaseAt(at int64, phases []swarmresult.Phase) int {
	i := 0
	for j, p := range phases {
		if at >= p.Start.UnixNano() {
			i = j + 1
		}
	}
	return i
}

// firstEvents labels the first few events with their phase.
func firstEvents(events []swarmresult.Event, phases []swarmresult.Phase) []string {
	var out []string
	for _, e := range events[:min(len(events), 40)] {
		name := "start"
		if i := phaseAt(e.At, phases); i > 0 {
			name = phases[i-1].Name
		}
		out = append(out, fmt.Sprintf("[%s %s] %s", name, time.Unix(0, e.At).UTC().Format("15:04:05.000"), e.Error))
	}
	return out
}

// report prints the request counts.
func report(t *testing.T, res swarmresult.Result, sum swarmresult.Summary) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "swarm rolling update: %d requests at %d/s, %d answered with the seed's body, %d failed; %d connection attempts refused or unanswered, then the next address; %d task addresses answered\n",
		res.Sent, res.Rate, res.OK, res.Failed, res.Fallbacks, res.Addresses)
	for _, p := range res.Phases {
		d := ""
		if !p.Start.IsZero() {
			d = p.End.Sub(p.Start).Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(&b, "  %-45s %7s  sent %6d  ok %6d  failed %3d  fallbacks %3d\n", p.Name, d, p.Sent, p.OK, p.Failed, p.Fallbacks)
	}
	fmt.Fprintf(&b, "  DNS, resolved in the background every 250 ms: %d lookups, %d errors, %d of 1 s or more, slowest %d ms\n",
		res.Resolutions.Count, res.Resolutions.Errors, res.Resolutions.Slow, res.Resolutions.SlowestMS)
	refused, unanswered := 0, 0
	for _, e := range sum.FallbackErrors {
		switch {
		case strings.Contains(e.Error, "refused"):
			refused++
		case strings.Contains(e.Error, "timeout"), strings.Contains(e.Error, "deadline"):
			unanswered++
		}
	}
	if len(sum.FallbackErrors) > 0 {
		fmt.Fprintf(&b, "  fallbacks (of the first %d): %d refused, %d unanswered within the attempt's share of the timeout\n",
			len(sum.FallbackErrors), refused, unanswered)
	}
	t.Log(b.String())
}
