package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// binaries are the paths of the programs built for the run.
type binaries struct {
	hello, calculator       string // ours, stripped, as released
	helloSym, calculatorSym string // ours with symbols, for the size breakdown
	seedServer, seedCalc    string // the seed-like baselines, stripped
	// helloMinGo is hello built as `go install` builds it with the oldest
	// Go its go.mod allows (Go's defaults), older than the Go the releases
	// use; minGo names that Go.
	helloMinGo, minGo string
	// failed maps the path of each binary that did not build to the error.
	failed map[string]error
}

// need returns the build error of the first of paths that failed to build.
func (b binaries) need(paths ...string) error {
	for _, p := range paths {
		if err := b.failed[p]; err != nil {
			return err
		}
	}
	return nil
}

// buildBinaries builds our two products (stripped as the release builds
// them, with its Go experiments, and once more with symbols) and the
// seed-like baselines (Go's defaults), all static, with the Go toolchain on
// PATH. A binary that fails to build fails only the
// measurements that need it.
func (h *Harness) buildBinaries(ctx context.Context) {
	dir := h.path("bin")
	b := binaries{failed: map[string]error{},
		hello: filepath.Join(dir, "hello"), helloSym: filepath.Join(dir, "hello.sym"),
		calculator: filepath.Join(dir, "calculator"), calculatorSym: filepath.Join(dir, "calculator.sym"),
		seedServer: filepath.Join(dir, "seedserver"), seedCalc: filepath.Join(dir, "seedcalc"),
		helloMinGo: filepath.Join(dir, "hello.mingo"),
	}
	builds := []struct {
		dir, pkg, out       string
		strip, ours, oldest bool
	}{
		{filepath.Join(h.cfg.Root, "hello"), ".", b.hello, true, true, false},
		{filepath.Join(h.cfg.Root, "hello"), ".", b.helloSym, false, true, false},
		{filepath.Join(h.cfg.Root, "calculator"), ".", b.calculator, true, true, false},
		{filepath.Join(h.cfg.Root, "calculator"), ".", b.calculatorSym, false, true, false},
		{h.cfg.Bench, "./baseline/seedserver", b.seedServer, true, false, false},
		{h.cfg.Bench, "./baseline/seedcalc", b.seedCalc, true, false, false},
		{filepath.Join(h.cfg.Root, "hello"), ".", b.helloMinGo, true, false, true},
	}
	h.logf("== building binaries")
	mkdirErr := os.MkdirAll(dir, 0o755)
	experiment, experimentErr := shipExperiment(h.cfg.Root)
	for _, bl := range builds {
		env := goEnv()
		if bl.oldest {
			var err error
			if b.minGo, err = minimumGo(bl.dir); err != nil {
				b.failed[bl.out] = err
				continue
			}
			env = append(env, "GOTOOLCHAIN="+b.minGo) // the go command fetches it
		}
		if bl.ours {
			if experimentErr != nil {
				b.failed[bl.out] = experimentErr
				continue
			}
			env = append(env, "GOEXPERIMENT="+experiment)
		}
		if mkdirErr != nil {
			b.failed[bl.out] = mkdirErr
			continue
		}
		args := []string{"build", "-trimpath"}
		if bl.strip {
			args = append(args, "-ldflags=-s -w")
		}
		args = append(args, "-o", bl.out, bl.pkg)
		if _, err := command(ctx, bl.dir, env, "go", args...); err != nil {
			b.failed[bl.out] = fmt.Errorf("building %s: %w", filepath.Base(bl.out), err)
			h.logf("   %v", b.failed[bl.out])
		}
	}
	h.bin = b
}

// minimumGo returns the oldest Go toolchain the module in dir allows: the
// version of its go.mod's go line, as "go1.26.0".
func minimumGo(dir string) (string, error) {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	m := goLine.FindSubmatch(gomod)
	if m == nil {
		return "", fmt.Errorf("%s: no go line", filepath.Join(dir, "go.mod"))
	}
	return "go" + string(m[1]), nil
}

var goLine = regexp.MustCompile(`(?m)^go[ \t]+(\S+)[ \t]*$`)

// shipExperiment returns the GOEXPERIMENT the releases build with: the
// Makefile's SHIP_GOEXPERIMENT, which .goreleaser.yaml and the Dockerfiles
// follow (the e2e tests read it back from the binaries).
func shipExperiment(root string) (string, error) {
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		return "", err
	}
	m := shipExperimentLine.FindSubmatch(makefile)
	if m == nil {
		return "", fmt.Errorf("%s: no SHIP_GOEXPERIMENT := line", filepath.Join(root, "Makefile"))
	}
	return string(m[1]), nil
}

var shipExperimentLine = regexp.MustCompile(`(?m)^SHIP_GOEXPERIMENT[ \t]*:=[ \t]*(\S*)[ \t]*$`)

// goEnv is the environment of every go command the harness runs: modules
// alone (the bench module is outside the workspace, and the products must
// build alone), static binaries.
func goEnv() []string {
	return []string{"GOWORK=off", "CGO_ENABLED=0"}
}

// command runs name with args in dir, with env added to the harness's
// environment, and returns its standard output. The error quotes the end of
// its standard error.
func command(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(stderr.String(), 1500))
	}
	return out, nil
}

// tail returns the last n bytes of s, trimmed.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
