package cli

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/go-multistage/multistage/e2e/internal/gobuild"
)

// The build information stamped into the binaries under test, as a release
// stamps it; the version scripts expect these values.
const (
	version = "v9.8.7-transcript"
	commit  = "0123456789abcdef0123456789abcdef01234567"
	date    = "2026-01-02T03:04:05Z"
)

// binDir holds the binaries that TestMain built.
var binDir string

// update rewrites the golden files of the scripts (their want/ sections
// compared with cmp) with what the programs print now:
//
//	go test ./cli/ -update    # then review the diff of testdata/
var update = flag.Bool("update", false, "rewrite the scripts' golden files with the programs' output")

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cli:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"calculator", "hello"} {
		if err := build(name, dir); err != nil {
			fmt.Fprintln(os.Stderr, "cli:", err)
			return 1
		}
	}
	binDir = dir
	return m.Run()
}

// build compiles the program of module name into dir, static and stripped,
// with the build information above.
func build(name, dir string) error {
	ldflags := gobuild.Ldflags(name, gobuild.Stamp{Version: version, Commit: commit, Date: date})
	if err := gobuild.Build(filepath.Join("..", "..", name), ".", filepath.Join(dir, name), ldflags); err != nil {
		return fmt.Errorf("building %s: %w", name, err)
	}
	return nil
}

func TestCalculator(t *testing.T) { runScripts(t, "calculator") }

func TestHello(t *testing.T) { runScripts(t, "hello") }

func runScripts(t *testing.T, program string) {
	t.Helper()
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", program),
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"freeport":  cmdFreePort,
			"listening": cmdListening,
		},
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
	})
}

// cmdExits runs a program like exec and checks its exit status:
//
//	exits CODE PROG [ARGS...]
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: exits CODE PROG [ARGS...] (no !: CODE says what is expected)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad CODE %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdFreePort sets an environment variable to a TCP port that was free on
// 127.0.0.1 a moment ago:
//
//	freeport NAME
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Check(ln.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}

// cmdListening waits until something accepts TCP connections at an
// address, for at most 10 s (a safety net, not a speed target):
//
//	listening ADDR
func cmdListening(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: listening ADDR")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			ts.Check(conn.Close())
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens at %s: %v", args[0], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
