package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// repoRoot is the repository's root: the build context of the Dockerfiles.
var repoRoot string

func TestMain(m *testing.M) {
	root, err := repo.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	repoRoot = root
	os.Exit(m.Run())
}

// flavour is what an image holds besides the program: a new flavour is
// a row here, its Dockerfile stage and its GoReleaser entry.
type flavour struct {
	name  string
	shell bool // it has /bin/sh
}

var (
	alpine   = flavour{name: "alpine", shell: true}
	scratch  = flavour{name: "scratch"}
	flavours = []flavour{alpine, scratch}
)

// image is an image under test, named by an environment variable.
type image struct {
	env, def string // variable and default name
	app      string // "hello" or "calculator"
	flavour  flavour
}

var (
	helloAlpine  = image{env: "E2E_HELLO_ALPINE", def: "hello:dev", app: "hello", flavour: alpine}
	helloScratch = image{env: "E2E_HELLO_SCRATCH", def: "hello:dev-scratch", app: "hello", flavour: scratch}
	calcScratch  = image{env: "E2E_CALC_SCRATCH", def: "calculator:dev", app: "calculator", flavour: scratch}
	calcAlpine   = image{env: "E2E_CALC_ALPINE", def: "calculator:dev-alpine", app: "calculator", flavour: alpine}

	helloImages = []image{helloAlpine, helloScratch}
	calcImages  = []image{calcScratch, calcAlpine}
	allImages   = []image{helloAlpine, helloScratch, calcScratch, calcAlpine}
)

// Name returns the image reference to test.
func (i image) Name() string {
	if v := os.Getenv(i.env); v != "" {
		return v
	}
	return i.def
}

// Flavour returns the name of the image's flavour: "scratch" or "alpine".
func (i image) Flavour() string { return i.flavour.name }

// require skips (or fails in CI) when the engine or the image is missing,
// and returns the image's name.
func (i image) require(t *testing.T) string {
	t.Helper()
	docker.RequireEngine(t)
	name := i.Name()
	if _, ok := docker.FindImage(t, name); !ok {
		command.Unavailable(t, "image %s (%s) not found: build it with scripts/build-images.sh (make images) or set %s",
			name, i.Flavour(), i.env)
	}
	return name
}
