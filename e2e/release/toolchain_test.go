package release

import (
	"cmp"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// The Go toolchain that builds releases is named once, by the toolchain line
// of go.work (repo.Toolchain reads it as setup-go does): the Makefile exports
// it as GOTOOLCHAIN, and the Dockerfiles compile with it.
var (
	// golangImage matches a reference to the official Go image and captures
	// its tag (1.26.8-alpine3.24, or a variable).
	golangImage = regexp.MustCompile(`\bgolang:([^\s"'@]+)`)
	// runsGo matches a workflow run step that starts the go command, make or
	// a repository script (which run go).
	runsGo = regexp.MustCompile(`(^|[\s;&|(])(go|make)(\s|$)|scripts/`)
)

// checkGoDirectives checks the go and toolchain directives of one go.mod or
// go.work against the pin: the go line may not need a newer Go, and only
// go.work names a toolchain.
func checkGoDirectives(file, goLine, toolchain, pin string, isWork bool) error {
	if goLine == "" {
		return fmt.Errorf("%s has no go line", file)
	}
	if version.Compare("go"+goLine, pin) > 0 {
		return fmt.Errorf("%s: go %s needs a newer Go than the pinned %s (go.work's toolchain line): lower it, or move the pin (and GO_IMAGE) first", file, goLine, pin)
	}
	if toolchain != "" && !isWork {
		return fmt.Errorf("%s: toolchain %s: only go.work names the toolchain; remove the line (go mod edit -toolchain=none)", file, toolchain)
	}
	return nil
}

// checkImageRefs checks that every reference to the golang image in content
// (comments aside) names a release of the pinned Go's minor version no newer
// than the pin (the Dockerfiles' GO_TOOLCHAIN brings a builder image's Go up
// to the pin, see checkToolchainArg), and returns how many it found.
func checkImageRefs(file, content, pin string) (int, []error) {
	want := strings.TrimPrefix(pin, "go")
	var errs []error
	var refs [][]string
	for _, line := range strings.Split(content, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			refs = append(refs, golangImage.FindAllStringSubmatch(line, -1)...)
		}
	}
	for _, m := range refs {
		tag := m[1]
		goVersion, _, _ := strings.Cut(tag, "-")
		v := "go" + goVersion
		if !repo.IsRelease(v) || version.Lang(v) != version.Lang(pin) || version.Compare(v, pin) > 0 {
			errs = append(errs, fmt.Errorf("%s: golang:%s is not a release of the pinned Go %s (go.work's toolchain line) no newer than it", file, tag, want))
		}
	}
	return len(refs), errs
}

var (
	toolchainArg = regexp.MustCompile(`(?m)^ARG GO_TOOLCHAIN=(\S*)$`)
	toolchainEnv = regexp.MustCompile(`(?m)^ENV GOTOOLCHAIN=\$\{GO_TOOLCHAIN\}$`)
)

// checkToolchainArg checks a Dockerfile that compiles with the golang image:
// its build stage must set GOTOOLCHAIN from ARG GO_TOOLCHAIN, whose default
// is the pin, so that it compiles with the pinned Go whatever patch release
// its builder image carries.
func checkToolchainArg(file, content, pin string) []error {
	var errs []error
	args := toolchainArg.FindAllStringSubmatch(content, -1)
	switch {
	case len(args) != 1:
		errs = append(errs, fmt.Errorf("%s: has %d ARG GO_TOOLCHAIN=... lines, want one whose default is %s", file, len(args), pin))
	case args[0][1] != pin:
		errs = append(errs, fmt.Errorf("%s: ARG GO_TOOLCHAIN=%s is not the pinned %s (go.work's toolchain line)", file, args[0][1], pin))
	}
	if !toolchainEnv.MatchString(content) {
		errs = append(errs, fmt.Errorf("%s: the build stage must set ENV GOTOOLCHAIN=${GO_TOOLCHAIN}, or the golang image's GOTOOLCHAIN=local keeps its own Go", file))
	}
	return errs
}

// workflow is the part of a GitHub workflow the toolchain checks read.
type workflow struct {
	Env  map[string]any `json:"env"`
	Jobs map[string]struct {
		Env       map[string]any `json:"env"`
		Container any            `json:"container"`
		Steps     []struct {
			Name string         `json:"name"`
			Uses string         `json:"uses"`
			Run  string         `json:"run"`
			With map[string]any `json:"with"`
			Env  map[string]any `json:"env"`
		} `json:"steps"`
	} `json:"jobs"`
}

// checkWorkflow checks that a workflow takes Go only from setup-go reading
// go.work: every setup-go step has go-version-file: go.work and no
// go-version; nothing sets GOTOOLCHAIN (setup-go itself sets it to local,
// and reads the go line instead of the toolchain line when it is already
// set); no job runs in a container; and every job that runs go, make or a
// script sets up Go before.
func checkWorkflow(file string, content []byte) []error {
	var wf workflow
	if err := yaml.Unmarshal(content, &wf); err != nil {
		return []error{fmt.Errorf("%s: %v", file, err)}
	}
	var errs []error
	if _, ok := wf.Env["GOTOOLCHAIN"]; ok {
		errs = append(errs, fmt.Errorf("%s: env sets GOTOOLCHAIN; the toolchain comes from go.work through setup-go", file))
	}
	jobs := make([]string, 0, len(wf.Jobs))
	for name := range wf.Jobs {
		jobs = append(jobs, name)
	}
	slices.Sort(jobs)
	for _, name := range jobs {
		job := wf.Jobs[name]
		where := fmt.Sprintf("%s: job %s", file, name)
		if _, ok := job.Env["GOTOOLCHAIN"]; ok {
			errs = append(errs, fmt.Errorf("%s: env sets GOTOOLCHAIN", where))
		}
		if job.Container != nil {
			errs = append(errs, fmt.Errorf("%s runs in a container, whose Go is not the pinned one", where))
		}
		setUp := false
		for i, step := range job.Steps {
			at := fmt.Sprintf("%s, step %d (%s)", where, i+1, cmp.Or(step.Name, step.Uses, firstLine(step.Run)))
			if _, ok := step.Env["GOTOOLCHAIN"]; ok {
				errs = append(errs, fmt.Errorf("%s: env sets GOTOOLCHAIN", at))
			}
			if strings.HasPrefix(step.Uses, "actions/setup-go@") {
				setUp = true
				if file, _ := step.With["go-version-file"].(string); file != "go.work" {
					errs = append(errs, fmt.Errorf("%s: setup-go must read go-version-file: go.work, not %q", at, file))
				}
				if _, ok := step.With["go-version"]; ok {
					errs = append(errs, fmt.Errorf("%s: setup-go has go-version; the version comes from go.work only", at))
				}
				continue
			}
			if strings.Contains(step.Uses, "setup-go") || strings.Contains(step.Uses, "golang") {
				errs = append(errs, fmt.Errorf("%s: takes Go from %s; use actions/setup-go with go-version-file: go.work", at, step.Uses))
			}
			if step.Run != "" && runsGo.MatchString(step.Run) && !setUp {
				errs = append(errs, fmt.Errorf("%s runs Go (or make, or a script) before setup-go: it would use the runner's Go", at))
			}
		}
	}
	return errs
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// repoFiles lists the repository's files (tracked, and untracked unless
// ignored) that match a git pathspec glob, outside testdata.
func repoFiles(t *testing.T, root string, globs ...string) []string {
	t.Helper()
	args := []string{"ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"}
	for _, g := range globs {
		args = append(args, ":(glob)"+g)
	}
	out, err := gitOut(root, args...)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, name := range strings.Split(out, "\x00") {
		if name == "" || slices.Contains(strings.Split(name, "/"), "testdata") {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, name)); err != nil {
			continue // deleted in the working tree
		}
		files = append(files, name)
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// pinnedToolchain returns the repository root and the toolchain its go.work
// pins.
func pinnedToolchain(t *testing.T) (root, pin string) {
	t.Helper()
	root, err := repo.Root()
	if err == nil {
		pin, err = repo.ReadToolchain(root)
	}
	if err != nil {
		t.Fatal(err)
	}
	return root, pin
}

// TestToolchainPin checks that the repository names the Go toolchain of its
// releases in one place and that everything honours it: every module's go
// line (found by globbing for go.mod, so new modules are covered), every
// golang image reference of the Dockerfiles (where the builder image is
// pinned) and .goreleaser.yaml, and every workflow's way
// of getting Go.
func TestToolchainPin(t *testing.T) {
	t.Parallel()
	root, pin := pinnedToolchain(t)
	t.Logf("pinned toolchain: %s", pin)

	t.Run("go directives", func(t *testing.T) {
		mods := repoFiles(t, root, "go.work", "go.mod", "**/go.mod")
		if !slices.Contains(mods, "go.work") || len(mods) < 3 {
			t.Fatalf("found only %q; the glob is broken", mods)
		}
		for _, file := range mods {
			cmd := "mod"
			if file == "go.work" {
				cmd = "work"
			}
			out, err := command.New("go", cmd, "edit", "-json", file).In(root).Env("GOFLAGS=", "GOWORK=").Output()
			if err != nil {
				t.Fatal(err)
			}
			var d struct{ Go, Toolchain string }
			if err := json.Unmarshal([]byte(out), &d); err != nil {
				t.Fatalf("go %s edit -json %s: %v", cmd, file, err)
			}
			if err := checkGoDirectives(file, d.Go, d.Toolchain, pin, file == "go.work"); err != nil {
				t.Error(err)
			}
		}
		t.Logf("checked %d files: %q", len(mods), mods)
	})

	t.Run("golang images", func(t *testing.T) {
		// The product Dockerfiles, at the root, which pin the builder, and
		// .goreleaser.yaml, which must name none or the same.
		// (TestBaseImagePins in package e2e keeps every other Dockerfile's
		// builder equal to the pin.)
		files := repoFiles(t, root, "Dockerfile*", ".goreleaser.yaml")
		found := map[string]int{}
		for _, file := range files {
			b, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			n, errs := checkImageRefs(file, string(b), pin)
			found[file] = n
			if file == "Dockerfile.hello" || file == "Dockerfile.calculator" {
				errs = append(errs, checkToolchainArg(file, string(b), pin)...)
			}
			for _, err := range errs {
				t.Error(err)
			}
		}
		for _, file := range []string{"Dockerfile.hello", "Dockerfile.calculator"} {
			if found[file] == 0 {
				t.Errorf("%s names no golang image; its default builder image must be golang:%s-...", file, strings.TrimPrefix(pin, "go"))
			}
		}
	})

	t.Run("workflows", func(t *testing.T) {
		files := repoFiles(t, root, ".github/workflows/*.yml", ".github/workflows/*.yaml")
		if len(files) == 0 {
			t.Fatal("no workflow found")
		}
		for _, file := range files {
			b, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range checkWorkflow(file, b) {
				t.Error(err)
			}
		}
	})
}

// TestToolchainChecks feeds the checks of TestToolchainPin what they must
// refuse, and what they must accept.
func TestToolchainChecks(t *testing.T) {
	t.Parallel()
	t.Run("go directives", func(t *testing.T) {
		for _, tt := range []struct {
			goLine, toolchain string
			isWork            bool
			wantErr           string
		}{
			{goLine: "1.26"},
			{goLine: "1.26.0"},
			{goLine: "1.26.8"},
			{goLine: "1.25.3"},
			{goLine: "1.26.9", wantErr: "needs a newer Go"},
			{goLine: "1.27", wantErr: "needs a newer Go"},
			{goLine: "1.27rc1", wantErr: "needs a newer Go"},
			{goLine: "", wantErr: "no go line"},
			{goLine: "1.26", toolchain: "go1.26.8", wantErr: "only go.work names the toolchain"},
			{goLine: "1.26", toolchain: "go1.26.8", isWork: true},
		} {
			err := checkGoDirectives("x/go.mod", tt.goLine, tt.toolchain, "go1.26.8", tt.isWork)
			if tt.wantErr == "" && err != nil {
				t.Errorf("go %q toolchain %q: %v", tt.goLine, tt.toolchain, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("go %q toolchain %q: %v; want an error saying %q", tt.goLine, tt.toolchain, err, tt.wantErr)
			}
		}
	})

	t.Run("golang images", func(t *testing.T) {
		for _, tt := range []struct {
			content   string
			refs, bad int
		}{
			{content: "ARG GO_IMAGE=golang:1.26.8-alpine3.24\nFROM ${GO_IMAGE} AS build\n", refs: 1},
			{content: "ARG GO_IMAGE=golang:1.26.8\n", refs: 1},
			{content: "ARG GO_IMAGE=golang:1.26.7-alpine3.24\n", refs: 1},
			{content: "ARG GO_IMAGE=golang:1.26.9-alpine3.24\n", refs: 1, bad: 1},
			{content: "ARG GO_IMAGE=golang:1.25.9-alpine3.24\n", refs: 1, bad: 1},
			{content: "ARG GO_IMAGE=golang:1.26-alpine\n", refs: 1, bad: 1},
			{content: "ARG GO_IMAGE=golang:1.26.80-alpine\n", refs: 1, bad: 1},
			{content: "FROM golang:latest AS build\n", refs: 1, bad: 1},
			{content: "GO_IMAGE: '{{ envOrDefault \"GO_IMAGE\" \"golang:1.27.3-alpine3.24\" }}'\n", refs: 1, bad: 1},
			{content: "FROM scratch\n", refs: 0},
			{content: "# the seed used golang:1.19\nFROM scratch\n", refs: 0},
		} {
			refs, errs := checkImageRefs("Dockerfile.x", tt.content, "go1.26.8")
			if refs != tt.refs || len(errs) != tt.bad {
				t.Errorf("checkImageRefs(%q) found %d references, %d bad (%v); want %d, %d", tt.content, refs, len(errs), errs, tt.refs, tt.bad)
			}
		}
	})

	t.Run("toolchain arg", func(t *testing.T) {
		const env = "ENV GOTOOLCHAIN=${GO_TOOLCHAIN}\n"
		for _, tt := range []struct {
			content, wantErr string
		}{
			{content: "FROM ${GO_IMAGE} AS build\nARG GO_TOOLCHAIN=go1.26.8\n" + env},
			{content: "FROM ${GO_IMAGE} AS build\nARG GO_TOOLCHAIN=go1.26.7\n" + env, wantErr: "is not the pinned go1.26.8"},
			{content: "FROM ${GO_IMAGE} AS build\nARG GO_TOOLCHAIN\n" + env, wantErr: "want one"},
			{content: "FROM ${GO_IMAGE} AS build\n" + env, wantErr: "has 0 ARG GO_TOOLCHAIN"},
			{content: "FROM ${GO_IMAGE} AS build\nARG GO_TOOLCHAIN=go1.26.8\n", wantErr: "ENV GOTOOLCHAIN"},
			{content: "FROM ${GO_IMAGE} AS build\nARG GO_TOOLCHAIN=go1.26.8\nENV GOTOOLCHAIN=local\n", wantErr: "ENV GOTOOLCHAIN"},
		} {
			err := errors.Join(checkToolchainArg("Dockerfile.x", tt.content, "go1.26.8")...)
			if tt.wantErr == "" && err != nil {
				t.Errorf("checkToolchainArg(%q): %v", tt.content, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("checkToolchainArg(%q): %v; want an error saying %q", tt.content, err, tt.wantErr)
			}
		}
	})

	t.Run("workflows", func(t *testing.T) {
		const setup = "      - uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0\n        with:\n          go-version-file: go.work\n"
		const job = "jobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v7\n"
		for _, tt := range []struct {
			name, yaml, wantErr string
		}{
			{name: "pinned", yaml: job + setup + "      - run: make test\n"},
			{name: "no Go needed", yaml: job + "      - run: echo IMAGE_PREFIX=ghcr.io/go-multistage >>\"$GITHUB_ENV\"\n"},
			{name: "go-version", yaml: job + setup + "          go-version: '1.26'\n      - run: make test\n", wantErr: "has go-version"},
			{name: "other version file", yaml: job + "      - uses: actions/setup-go@v7\n        with:\n          go-version-file: hello/go.mod\n      - run: make test\n", wantErr: "go-version-file: go.work"},
			{name: "no version file", yaml: job + "      - uses: actions/setup-go@v7\n      - run: make test\n", wantErr: "go-version-file: go.work"},
			{name: "runner's Go", yaml: job + "      - run: go test ./...\n", wantErr: "before setup-go"},
			{name: "script before setup-go", yaml: job + "      - run: scripts/release-goreleaser.sh check\n" + setup, wantErr: "before setup-go"},
			{name: "GOTOOLCHAIN in the workflow", yaml: "env:\n  GOTOOLCHAIN: local\n" + job + setup, wantErr: "GOTOOLCHAIN"},
			{name: "GOTOOLCHAIN in a step", yaml: job + setup + "      - run: make test\n        env:\n          GOTOOLCHAIN: go1.27.3\n", wantErr: "GOTOOLCHAIN"},
			{name: "container", yaml: "jobs:\n  test:\n    runs-on: ubuntu-24.04\n    container: golang:1.26.8\n    steps:\n" + setup + "      - run: make test\n", wantErr: "container"},
			{name: "another action", yaml: job + "      - uses: some/setup-golang@v1\n      - run: make\n", wantErr: "takes Go from"},
			{name: "not YAML", yaml: "jobs: [\n", wantErr: "yaml"},
		} {
			errs := checkWorkflow("ci.yml", []byte(tt.yaml))
			joined := errors.Join(errs...)
			if tt.wantErr == "" && joined != nil {
				t.Errorf("%s: %v", tt.name, joined)
			}
			if tt.wantErr != "" && (joined == nil || !strings.Contains(joined.Error(), tt.wantErr)) {
				t.Errorf("%s: %v; want an error saying %q", tt.name, joined, tt.wantErr)
			}
		}
	})
}

// TestMakeUsesPinnedToolchain builds with make in a throwaway clone while
// the environment asks for another Go (one that does not exist, so that
// taking it fails at once): the Makefile must build with the pinned one.
func TestMakeUsesPinnedToolchain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds calculator; skipped with -short")
	}
	t.Parallel()
	root, pin := pinnedToolchain(t)
	// Whatever the local Go, the pinned one is in the module cache: every
	// make target has run it (or the go command fetches it once).
	clone := filepath.Join(t.TempDir(), "repo")
	if err := cloneWorkingTree(root, clone); err != nil {
		t.Fatal(err)
	}
	if out, err := command.New("make", "--no-print-directory", "build-calculator").In(clone).Env("GOTOOLCHAIN=go1.99.0").Output(); err != nil {
		t.Fatalf("make build-calculator with GOTOOLCHAIN=go1.99.0 in the environment: %v\n%s", err, out)
	}
	out, err := command.New("go", "version", filepath.Join(clone, "bin", "calculator")).In(clone).Output()
	if err != nil {
		t.Fatal(err)
	}
	// An experiment shows in the version: go1.27.3-X:nojsonv2.
	if !strings.HasSuffix(out, ": "+pin) && !strings.Contains(out, ": "+pin+"-X:") {
		t.Errorf("make build-calculator built with %q, want the pinned %s", out, pin)
	}
	// The experiment the binaries ship with, as GoReleaser's builds (see
	// checkBuildInfo) and the Dockerfiles' (TestSourceBuildUsesPinnedToolchain).
	info, err := buildinfo.ReadFile(filepath.Join(clone, "bin", "calculator"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(info.Settings, debug.BuildSetting{Key: "GOEXPERIMENT", Value: "nojsonv2"}) {
		t.Errorf("make build-calculator built with the settings %v, want GOEXPERIMENT=nojsonv2", info.Settings)
	}
}
