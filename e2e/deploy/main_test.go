package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The seed's greeting, byte for byte: hello's GET / body.
const greeting = "Hello from Multi-Stage Build!"

var (
	// repoRoot is the repository's root, two levels up from this package.
	repoRoot string
	// inCI turns every skip for a missing tool into a failure.
	inCI = os.Getenv("CI") != ""
	// buildDir holds the binaries the tests compile, removed at the end.
	buildDir string
)

func TestMain(m *testing.M) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err == nil {
		buildDir, err = os.MkdirTemp("", "e2e-deploy-")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e/deploy:", err)
		os.Exit(1)
	}
	repoRoot = root
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
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

// result is what a finished command gave.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, tail(r.stdout, 20), tail(r.stderr, 20))
}

// run runs name with args in dir (the repository's root if empty) and
// returns its output and exit code. It fails the test if the command cannot
// start or outlives timeout, a safety net against hangs.
func run(t *testing.T, timeout time.Duration, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
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

// mustRun runs a command that has to succeed and returns its standard output.
func mustRun(t *testing.T, timeout time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	r := run(t, timeout, env, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: %s", name, strings.Join(args, " "), r)
	}
	return r.stdout
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// goBuild compiles a static linux binary of the package pkg in module
// directory dir (relative to the repository's root), once per key, with
// the given ldflags, and returns its path.
func goBuild(t *testing.T, key, dir, pkg, ldflags string) string {
	t.Helper()
	buildsMu.Lock()
	b, ok := builds[key]
	if !ok {
		b = &builtBinary{}
		builds[key] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() {
		out := filepath.Join(buildDir, key, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg)
		cmd.Dir = filepath.Join(repoRoot, dir)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOWORK=off")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s in %s: %v\n%s", pkg, dir, err, msg)
			return
		}
		b.path = out
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

type builtBinary struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*builtBinary{}
)
