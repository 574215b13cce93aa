// Package repo finds what the tests read about this repository itself: its
// root, and the Go toolchain go.work pins. It must not run commands or
// change files.
package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Root finds the repository root above the working directory: the
// directory that holds .goreleaser.yaml.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, ".goreleaser.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no .goreleaser.yaml above the working directory")
		}
		dir = parent
	}
}

// The Go toolchain that builds releases is named once, by the toolchain line
// of go.work: setup-go's go-version-file reads it (with this expression, from
// actions/setup-go's installer), and everything else follows it.
var (
	setupGoToolchain = regexp.MustCompile(`(?m)^toolchain go(1\.\d+(?:\.\d+|rc\d+)?)`)
	exactRelease     = regexp.MustCompile(`^go\d+\.\d+\.\d+$`)
)

// IsRelease reports whether v names an exact Go release, such as go1.26.8.
func IsRelease(v string) bool { return exactRelease.MatchString(v) }

// Toolchain returns the toolchain pinned in the go.work content goWork, such
// as "go1.26.8".
func Toolchain(goWork []byte) (string, error) {
	m := setupGoToolchain.FindSubmatch(goWork)
	if m == nil {
		return "", errors.New("go.work has no toolchain line setup-go can read (toolchain go1.N.P at the start of a line)")
	}
	pin := "go" + string(m[1])
	if !IsRelease(pin) {
		return "", fmt.Errorf("go.work pins %s: name an exact release such as go1.26.8, or setup-go installs whatever is newest", pin)
	}
	for _, line := range strings.Split(string(goWork), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "toolchain" && f[1] != pin {
			return "", fmt.Errorf("go.work: toolchain line %q is not what setup-go reads (%s)", line, pin)
		}
	}
	return pin, nil
}

// ReadToolchain returns the toolchain that root's go.work pins.
func ReadToolchain(root string) (string, error) {
	goWork, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return "", err
	}
	return Toolchain(goWork)
}
