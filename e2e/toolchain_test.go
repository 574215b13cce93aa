package e2e

import (
	"bytes"
	"debug/buildinfo"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// TestSourceBuildUsesPinnedToolchain builds the calculator from source the
// way a user's plain `docker build` does, on a builder image carrying the Go
// of the pinned GO_IMAGE (the Dockerfiles' default), which may be an older patch
// release than go.work's toolchain line when no newer image could be pinned.
// The Dockerfile's GO_TOOLCHAIN must make the go command fetch the pinned
// toolchain through the module proxy and compile with it: the binary says
// which Go built it.
func TestSourceBuildUsesPinnedToolchain(t *testing.T) {
	docker.RequireEngine(t)
	t.Parallel()
	pin, err := repo.ReadToolchain(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	goImage := readPins(t)["GO_IMAGE"]
	imageTag, _, _ := strings.Cut(strings.TrimPrefix(goImage, "golang:"), "@")
	imageGo, _, _ := strings.Cut(imageTag, "-")
	if imageGo = "go" + imageGo; !repo.IsRelease(imageGo) {
		t.Fatalf("GO_IMAGE=%s names no Go release in its tag", goImage)
	}
	t.Logf("go.work pins %s; GO_IMAGE carries %s", pin, imageGo)

	// A stand-in of the pinned golang image: scripts/machine/standins.sh around the
	// Go release that image carries (the go command downloads it once into
	// the module cache).
	goroot := command.New("go", "env", "GOROOT").In(repoRoot).Env("GOTOOLCHAIN=" + imageGo).Must(t)
	standin := "go-multistage/golang-standin:" + imageGo
	command.New(filepath.Join(repoRoot, "scripts", "machine", "standins.sh"), "build").In(repoRoot).
		Env("GOROOT="+goroot, "STANDIN_GO_IMAGE="+standin).Timeout(docker.BuildTimeout).Must(t)
	if got := docker.Must(t, "run", "--rm", "--entrypoint", "go", standin, "env", "GOVERSION"); got != imageGo {
		t.Fatalf("the stand-in's Go is %s, want %s", got, imageGo)
	}

	tag := docker.BuildImage(t, docker.Build{
		Root: repoRoot, Context: repoRoot, Dockerfile: filepath.Join(repoRoot, "Dockerfile.calculator"),
		Target: "source-scratch", Args: map[string]string{"GO_IMAGE": standin},
	})
	// An experiment shows in the version: go1.27.3-X:nojsonv2.
	if out := docker.Must(t, "run", "--rm", tag, "--version"); !strings.Contains(out, pin+")") && !strings.Contains(out, pin+"-X:") {
		t.Errorf("calculator --version = %q: built on a %s builder, it must be compiled by the pinned %s", out, imageGo, pin)
	}
	bin := docker.CopyFromImage(t, tag, "/usr/local/bin/calculator")
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("the image's calculator has no build information: %v", err)
	}
	if goVersion, _, _ := strings.Cut(info.GoVersion, "-X:"); goVersion != pin || !slices.Contains(info.Settings, debug.BuildSetting{Key: "GOEXPERIMENT", Value: "nojsonv2"}) {
		t.Errorf("the image's calculator was built by %s with %v; want %s with GOEXPERIMENT=nojsonv2, as the Makefile and GoReleaser build", info.GoVersion, info.Settings, pin)
	}
}
