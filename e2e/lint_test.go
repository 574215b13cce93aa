package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// TestLintHoldsTheArchitecture checks that the architecture rules of
// .golangci.yml fire: it runs the pinned golangci-lint, with the
// repository's own configuration, on a throwaway tree shaped like ours
// whose code breaks each rule once, and on code that keeps them.
// No Docker: make check runs it.
func TestLintHoldsTheArchitecture(t *testing.T) {
	golangci := pinnedGolangci(t)
	dir := t.TempDir()
	config := filepath.Join(dir, ".golangci.yml")
	copyFile(t, filepath.Join(repoRoot, ".golangci.yml"), config)

	// The calculator's own code: no fmt, reflect, net/http or testing, and
	// os.Exit only in main.
	writeFile(t, filepath.Join(dir, "calculator", "go.mod"), "module github.com/go-multistage/multistage/calculator\n\ngo 1.26.0\n")
	writeFile(t, filepath.Join(dir, "calculator", "internal", "bad", "bad.go"), `// Package bad breaks the calculator's rules.
package bad

import (
	"fmt"
	"net/http"
	"os"
	"reflect"
	"testing"
)

// Bad uses what it imports.
func Bad() {
	fmt.Println(reflect.TypeOf(http.MethodGet), testing.Short())
	os.Exit(3)
}
`)
	// hello: echo only in internal/server. Its go.mod and go.sum resolve echo.
	copyFile(t, filepath.Join(repoRoot, "hello", "go.mod"), filepath.Join(dir, "hello", "go.mod"))
	copyFile(t, filepath.Join(repoRoot, "hello", "go.sum"), filepath.Join(dir, "hello", "go.sum"))
	echoUser := `// Package %s uses echo.
package %s

import "github.com/labstack/echo/v4"

// New returns an echo instance.
func New() *echo.Echo { return echo.New() }
`
	writeFile(t, filepath.Join(dir, "hello", "internal", "server", "server.go"), strings.ReplaceAll(echoUser, "%s", "server"))
	writeFile(t, filepath.Join(dir, "hello", "internal", "config", "config.go"), strings.ReplaceAll(echoUser, "%s", "config"))
	// The echo middleware whose vulnerabilities tools/vuln/accepted.json
	// accepts only because hello does not use it (one use per line:
	// golangci-lint reports one issue per line).
	writeFile(t, filepath.Join(dir, "hello", "internal", "server", "proxy.go"), `package server

import "github.com/labstack/echo/v4/middleware"

// Risky uses what hello must not.
func Risky() {
	New().Use(middleware.Proxy(nil))
	New().Use(middleware.RateLimiter(nil))
	_ = middleware.ProxyWithConfig
}
`)

	runLint(t, golangci, config, filepath.Join(dir, "calculator"),
		"bad.go:5:2: import 'fmt' is not allowed from list 'calculator-lean'",
		"bad.go:6:2: import 'net/http' is not allowed from list 'calculator-lean'",
		"bad.go:8:2: import 'reflect' is not allowed from list 'calculator-lean'",
		"bad.go:9:2: import 'testing' is not allowed from list 'products-without-test-code'",
		"bad.go:15:2: use of `os.Exit` forbidden",
	)
	hello := runLint(t, golangci, config, filepath.Join(dir, "hello"),
		"config.go:4:8: import 'github.com/labstack/echo/v4' is not allowed from list 'echo-in-server-only'",
		"proxy.go:7:12: use of `middleware.Proxy` forbidden",
		"proxy.go:8:12: use of `middleware.RateLimiter` forbidden",
		"proxy.go:9:6: use of `middleware.ProxyWithConfig` forbidden",
	)
	if strings.Contains(hello, "server.go") {
		t.Errorf("golangci-lint on hello reported hello/internal/server, the package allowed to import echo:\n%s", hello)
	}

	// e2e: commands run through internal/command, the one runner.
	writeFile(t, filepath.Join(dir, "e2e", "go.mod"), "module github.com/go-multistage/multistage/e2e\n\ngo 1.26.0\n")
	runner := `// Package %s runs a command.
package %s

import "os/exec"

// Run runs true.
func Run() error { return exec.Command("true").Run() }
`
	writeFile(t, filepath.Join(dir, "e2e", "internal", "command", "command.go"), strings.ReplaceAll(runner, "%s", "command"))
	writeFile(t, filepath.Join(dir, "e2e", "deploy", "deploy.go"), strings.ReplaceAll(runner, "%s", "deploy"))
	e2e := runLint(t, golangci, config, filepath.Join(dir, "e2e"),
		"deploy.go:7:27: use of `exec.Command` forbidden because \"in e2e, run commands with e2e/internal/command")
	if strings.Contains(e2e, "command.go") {
		t.Errorf("golangci-lint on e2e reported e2e/internal/command, the package that runs commands:\n%s", e2e)
	}
}

// pinnedGolangci returns the path of the golangci-lint pinned in
// tools/golangci, building it when needed (minutes, the first time).
func pinnedGolangci(t *testing.T) string {
	t.Helper()
	path, err := command.New("go", "-C", filepath.Join(repoRoot, "tools", "golangci"), "tool", "-n", "golangci-lint").
		Env("GOWORK=off").Timeout(10 * time.Minute).Output()
	if err != nil {
		t.Fatalf("building the pinned golangci-lint: %v", err)
	}
	return path
}

// runLint runs golangci-lint in module dir with config and returns what it
// printed. It fails the test unless golangci-lint reports findings (exit
// status 1: any other failure means the check did not run), among them
// each of want.
func runLint(t *testing.T, golangci, config, dir string, want ...string) string {
	t.Helper()
	r := command.New(golangci, "run", "--config", config, "./...").In(dir).Env("GOWORK=off").Run(t)
	if r.Code != 1 {
		t.Fatalf("golangci-lint in %s: %s\nwant findings (exit status 1)", dir, r)
	}
	out := r.Stdout + r.Stderr
	for _, finding := range want {
		if !strings.Contains(out, finding) {
			t.Errorf("golangci-lint in %s did not report %q; it said:\n%s", dir, finding, out)
		}
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(data))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
