package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/gobuild"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// The seed's greeting, byte for byte: hello's GET / body.
const greeting = "Hello from Multi-Stage Build!"

var (
	// repoRoot is the repository's root, two levels up from this package.
	repoRoot string
	// buildDir holds the binaries the tests compile, removed at the end.
	buildDir string
)

func TestMain(m *testing.M) {
	root, err := repo.Root()
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
		b.path, b.err = out, gobuild.Build(filepath.Join(repoRoot, dir), pkg, out, ldflags, gobuild.Linux...)
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
