package e2e

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/gobuild"
)

// TestReleaseTargets builds the release-* targets the way GoReleaser's
// dockers_v2 does: from a context holding only a prebuilt binary at
// $TARGETPLATFORM/<binary>, with no compiler involved, then runs them.
func TestReleaseTargets(t *testing.T) {
	t.Parallel()
	docker.RequireEngine(t)
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
			ldflags := gobuild.Ldflags(app, gobuild.Stamp{Version: version})
			if err := gobuild.Build(filepath.Join(repoRoot, app), ".", bin, ldflags, gobuild.Linux...); err != nil {
				t.Fatal(err)
			}

			for _, f := range flavours {
				flavour := f.name
				t.Run(flavour, func(t *testing.T) {
					name := docker.BuildImage(t, docker.Build{
						Root:       repoRoot,
						Context:    ctxDir,
						Dockerfile: filepath.Join(repoRoot, "Dockerfile."+app),
						Target:     "release-" + flavour,
						Platform:   platform,
						Args:       map[string]string{"VERSION": version},
					})
					if got := docker.InspectImage(t, name).Config.Labels["org.opencontainers.image.version"]; got != version {
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

func checkReleaseHello(t *testing.T, name, version string) {
	t.Helper()
	if r := docker.Run(t, "run", "--rm", name, "version"); r.Code != 0 || !strings.Contains(r.Stdout, version) {
		t.Errorf("hello version: want %s; got %s", version, r)
	}
	id := docker.Start(t, "-p", "127.0.0.1::80", name)
	if got := strings.TrimSpace(docker.WaitHTTP(t, id, "http://"+docker.HostAddr(t, id, "80/tcp")+"/")); got != greeting {
		t.Errorf("GET / = %q, want %q", got, greeting)
	}
}

func checkReleaseCalculator(t *testing.T, name string) {
	t.Helper()
	if r := docker.Run(t, "run", "--rm", name, "2 * (3 + 4)"); r.Code != 0 || r.Stdout != "14\n" {
		t.Errorf("calculator '2 * (3 + 4)': want 14; got %s", r)
	}
}
