// Package testprog builds small Go programs for the tests of packages that
// read binaries (symbol tables, profiles).
//
// It must not be imported by anything but tests: it fails the test it is
// given instead of returning errors.
package testprog

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build writes source as the main.go of a program in a temporary folder of
// tb, builds it static (CGO_ENABLED=0, outside any workspace) with the go
// build flags given, with symbols unless they strip them, and returns the
// binary's path.
func Build(tb testing.TB, source string, flags ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, src)...)
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
