// Package gobuild compiles the repository's programs for the end-to-end
// tests with a release's flags: static (CGO_ENABLED=0), -trimpath, each
// module on its own (GOWORK=off), stripped and stamped through -ldflags
// with the build information that a program's internal/buildinfo reports.
// The Go experiments a release sets (the Makefile's SHIP_GOEXPERIMENT) are
// left to the go command's defaults: these binaries are tested for how they
// behave, and the release tests check the shipped build settings.
//
// It is for binaries the tests run or put into images. It must not become a
// second release build: what ships is built by GoReleaser from
// .goreleaser.yaml, and the release tests check those binaries themselves.
package gobuild

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// modulePrefix is the module path prefix of the repository's programs.
const modulePrefix = "github.com/go-multistage/multistage/"

// Timeout bounds one build; a cold cache takes minutes on two cores. It is
// a safety net, not a speed target.
const Timeout = 10 * time.Minute

// Linux is the environment of a binary for a linux image on this machine's
// engine.
var Linux = []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH}

// Stamp is the build information a release writes into a program. An empty
// field keeps the program's default.
type Stamp struct {
	Version, Commit, Date string
}

// Ldflags returns the linker flags of a release build of program (the
// module's folder: hello or calculator): stripped (-s -w) and stamped. An
// empty Stamp gives -s -w alone.
func Ldflags(program string, s Stamp) string {
	flags := []string{"-s", "-w"}
	pkg := modulePrefix + program + "/internal/buildinfo"
	for _, v := range []struct{ name, value string }{{"Version", s.Version}, {"Commit", s.Commit}, {"Date", s.Date}} {
		if v.value != "" {
			flags = append(flags, "-X", pkg+"."+v.name+"="+v.value)
		}
	}
	return strings.Join(flags, " ")
}

// Build compiles package pkg of the module in dir into the file out (making
// its folder), static and trimmed, with ldflags; env adds to the go
// command's environment (Linux, for an image). The error names the command
// and quotes the compiler's last lines.
func Build(dir, pkg, out, ldflags string, env ...string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	_, err := command.New("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg).
		In(dir).Env("CGO_ENABLED=0", "GOWORK=off").Env(env...).Timeout(Timeout).Output()
	return err
}
