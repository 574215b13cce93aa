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
	"strconv"
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

// parseMemLimit reads a GOMEMLIMIT value the way the Go runtime does: a
// number of bytes with an optional B, KiB, MiB, GiB or TiB suffix.
func parseMemLimit(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("GOMEMLIMIT %q: want bytes with an optional B, KiB, MiB, GiB or TiB suffix", v)
	}
	return n * mult, nil
}

// checkMemLimit: GOMEMLIMIT is set, below the container's memory limit
// (the runtime's own memory counts toward it) and not absurdly low.
func checkMemLimit(t *testing.T, v *string, limit int64) {
	t.Helper()
	if v == nil {
		t.Error("GOMEMLIMIT unset: the Go runtime would not know the memory limit")
		return
	}
	n, err := parseMemLimit(*v)
	if err != nil {
		t.Error(err)
		return
	}
	if n >= limit || n < limit/2 {
		t.Errorf("GOMEMLIMIT %s (%d bytes): want below the memory limit %d and at least half of it", *v, n, limit)
	}
}

func TestParseMemLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"56MiB", 56 << 20, true},
		{"58720256", 58720256, true},
		{"1GiB", 1 << 30, true},
		{"512KiB", 512 << 10, true},
		{"100B", 100, true},
		{"56MB", 0, false}, // the runtime wants MiB, not MB
		{"56Mi", 0, false},
		{"", 0, false},
		{"-1", 0, false},
	}
	for _, tt := range tests {
		got, err := parseMemLimit(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMemLimit(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
