package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestReleaseTargets builds the release-* targets the way GoReleaser's
// dockers_v2 does: from a context holding only a prebuilt binary at
// $TARGETPLATFORM/<binary>, with no compiler involved, then runs them.
func TestReleaseTargets(t *testing.T) {
	t.Parallel()
	requireEngine(t)
	if runtime.GOARCH == "arm" {
		t.Skip("the platform path of GOARCH=arm needs a variant (linux/arm/v7); not covered")
	}
	const version = "v0.0.0-e2e-release"
	platform := "linux/" + runtime.GOARCH

	for _, app := range []string{"hello", "calculator"} {
		t.Run(app, func(t *testing.T) {
			t.Parallel()
			ctxDir := t.TempDir()
			bin := filepath.Join(ctxDir, filepath.FromSlash(platform), app)
			goBuild(t, filepath.Join(repoRoot, app), bin, app, version)

			for _, flavour := range []string{"alpine", "scratch"} {
				t.Run(flavour, func(t *testing.T) {
					name := buildImage(t, build{
						context:    ctxDir,
						dockerfile: filepath.Join(repoRoot, "Dockerfile."+app),
						target:     "release-" + flavour,
						platform:   platform,
						args:       map[string]string{"VERSION": version},
					})
					if got := inspectImage(t, name).Config.Labels["org.opencontainers.image.version"]; got != version {
						t.Errorf("version label = %q, want %q", got, version)
					}
					if app == "hello" {
						checkReleaseHello(t, name, version)
					} else {
						checkReleaseCalculator(t, name)
					}
				})
			}
		})
	}
}

// goBuild builds the module in dir for linux the way the release does:
// static, trimmed, stripped, with the version set.
func goBuild(t *testing.T, dir, out, app, version string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	pkg := "github.com/go-multistage/multistage/" + app + "/internal/buildinfo"
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X "+pkg+".Version="+version, "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, b)
	}
}

func checkReleaseHello(t *testing.T, name, version string) {
	t.Helper()
	if r := docker(t, "", "run", "--rm", name, "version"); r.code != 0 || !strings.Contains(r.stdout, version) {
		t.Errorf("hello version: want %s; got %s", version, r)
	}
	id := startContainer(t, "-p", "127.0.0.1::80", name)
	if got := strings.TrimSpace(waitHTTP(t, id, "http://"+hostAddr(t, id)+"/")); got != greeting {
		t.Errorf("GET / = %q, want %q", got, greeting)
	}
}

func checkReleaseCalculator(t *testing.T, name string) {
	t.Helper()
	if r := docker(t, "", "run", "--rm", name, "2 * (3 + 4)"); r.code != 0 || r.stdout != "14\n" {
		t.Errorf("calculator '2 * (3 + 4)': want 14; got %s", r)
	}
}
