package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/dockerfile"
)

const sourceURL = "https://github.com/go-multistage/multistage"

// Size ceilings in bytes, as `docker image inspect` reports them (1 MB =
// 10^6 bytes, like `docker images`). Seed 004's scratch image was 1.96 MB.
// The calculator's target is 1.90 MB (bench/REPORT.md marks it); its
// ceiling here is 2.00 MB, since its correctly rounded functions (exp,
// ln, sin, ..., as a series on math/big) added 106 KB to a binary that
// was at 1.86 MB: see the size row of bench/README.md's apd comparison.
const (
	maxCalcScratch  = 2_000_000
	maxHelloScratch = 7_000_000
)

// TestImageMetadata checks what an operator sees with docker image
// inspect: the non-root user, the entry point, the OCI labels (those of the
// Dockerfile, which is their one source), the health check, and that the
// scratch flavour has no shell.
func TestImageMetadata(t *testing.T) {
	t.Parallel()
	for _, img := range allImages {
		t.Run(img.app+"-"+img.Flavour(), func(t *testing.T) {
			t.Parallel()
			name := img.require(t)
			c := docker.InspectImage(t, name).Config

			if c.User != "65532:65532" {
				t.Errorf("Config.User = %q, want 65532:65532 (non-root)", c.User)
			}
			if want := []string{"/usr/local/bin/" + img.app}; !slices.Equal(c.Entrypoint, want) {
				t.Errorf("Config.Entrypoint = %q, want %q (exec form)", c.Entrypoint, want)
			}
			if len(c.Cmd) != 0 {
				t.Errorf("Config.Cmd = %q, want none (a base image's CMD would become arguments)", c.Cmd)
			}

			for _, p := range dockerfile.LabelProblems(c.Labels, sourceLabels(t, img.app, img.Flavour()), nil) {
				t.Error(p)
			}
			version := c.Labels["org.opencontainers.image.version"]
			if version == "" {
				t.Errorf("label org.opencontainers.image.version is empty")
			}

			// The binary reports the version the label announces.
			versionArgs := []string{"run", "--rm", name, "--version"}
			if img.app == "hello" {
				versionArgs[len(versionArgs)-1] = "version"
			}
			r := docker.Run(t, versionArgs...)
			if r.Code != 0 || !strings.Contains(r.Stdout, strings.TrimPrefix(version, "v")) {
				t.Errorf("%s version: want it to report %q; got %s", img.app, version, r)
			}

			if img.app == "hello" {
				checkHelloConfig(t, c.Env, c.ExposedPorts, c.Healthcheck)
			}

			// The same command must succeed on a flavour with a shell, so a
			// failure without one means "no shell", not "broken test".
			r = docker.Run(t, "run", "--rm", "--entrypoint", "sh", name, "-c", "true")
			if !img.flavour.shell && r.Code == 0 {
				t.Errorf("docker run --entrypoint sh %s succeeded: the %s image has a shell", name, img.Flavour())
			}
			if img.flavour.shell && r.Code != 0 {
				t.Errorf("docker run --entrypoint sh %s failed on %s: %s", name, img.Flavour(), r)
			}
		})
	}
}

func checkHelloConfig(t *testing.T, env []string, ports map[string]struct{}, hc *docker.Healthcheck) {
	t.Helper()
	if !slices.Contains(env, "HELLO_ADDR=:80") {
		t.Errorf("Config.Env = %q, want HELLO_ADDR=:80", env)
	}
	if _, ok := ports["80/tcp"]; !ok {
		t.Errorf("Config.ExposedPorts = %v, want 80/tcp", ports)
	}
	want := []string{"CMD", "/usr/local/bin/hello", "healthcheck"} // exec form: no shell
	if hc == nil || !slices.Equal(hc.Test, want) {
		t.Errorf("Config.Healthcheck = %+v, want Test %q", hc, want)
	}
}

// TestImageSizes logs every image's size and checks the ceilings; the hello
// alpine image must be smaller than seed 000's multi-stage image built from
// the same bases in this run (the seed's program and Dockerfile, whose one
// copy is in bench/baseline).
func TestImageSizes(t *testing.T) {
	t.Parallel()
	sizes := map[image]int64{}
	for _, img := range allImages {
		t.Run(img.app+"-"+img.Flavour(), func(t *testing.T) {
			name := img.require(t)
			sizes[img] = docker.InspectImage(t, name).Size
			t.Logf("%s: %d bytes (%s)", name, sizes[img], mb(sizes[img]))
		})
	}
	ceilings := []struct {
		img image
		max int64
	}{{calcScratch, maxCalcScratch}, {helloScratch, maxHelloScratch}}
	for _, c := range ceilings {
		if size, ok := sizes[c.img]; ok && size > c.max {
			t.Errorf("%s is %s, over its ceiling of %s", c.img.Name(), mb(size), mb(c.max))
		}
	}

	t.Run("hello-alpine-vs-seed000", func(t *testing.T) {
		name := helloAlpine.require(t)
		seed := docker.BuildImage(t, docker.Build{
			Root:       repoRoot,
			Context:    repoRoot + "/bench/baseline/seedserver",
			Dockerfile: repoRoot + "/bench/baseline/Dockerfile.000-alpine",
		})
		ours, theirs := docker.InspectImage(t, name).Size, docker.InspectImage(t, seed).Size
		t.Logf("%s: %s; seed 000 shape on the same bases: %s", name, mb(ours), mb(theirs))
		if ours >= theirs {
			t.Errorf("%s (%s) is not smaller than seed 000's image (%s)", name, mb(ours), mb(theirs))
		}
	})
}

func mb(bytes int64) string { return fmt.Sprintf("%.2f MB", float64(bytes)/1e6) }
