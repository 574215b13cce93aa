// Package cli is hello's command line: it reads the arguments and the
// environment (through package config), runs the command they name (serve,
// healthcheck or version) and returns the exit code.
//
// It must not touch the process: no os.Args, os.Getenv, os.Stdout, signal
// handlers or os.Exit. Everything comes in as arguments to [Run], and the
// stop signals as a context (see [StopOn]), so that tests run it
// in-process. Wiring it to the process is package main's job.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/config"
	"github.com/go-multistage/multistage/hello/internal/probe"
)

// Exit codes. "hello healthcheck" exits only ExitOK (healthy) or
// ExitFailure (anything else, bad flags and -h included): Docker reserves
// 2 for health checks.
const (
	ExitOK      = 0
	ExitFailure = 1 // serving, shutting down or the health check failed
	ExitUsage   = 2 // bad flags or environment, but for healthcheck
	ExitQuit    = 3 // SIGQUIT: goroutine stacks on stderr, exit without draining
)

// Run runs the command line args (without the program's name), reading
// the environment from environ ("NAME=value" entries, as [os.Environ]
// gives them; the first of a name wins, as in [os.Getenv]), and returns
// the exit code. Usage and the problems of the command line go to stderr;
// the server's log goes to stdout. The server warns, in its log, of
// HELLO_* variables that nothing reads.
//
// ctx stops the server: when it is done, a graceful shutdown begins. A
// context from [StopOn] also names the signal in the log, and asks, with
// a second signal, for an exit without draining.
func Run(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) int {
	cmd, cfg, err := config.Parse(args, getenv(environ), stderr)
	switch {
	case err != nil && cmd == config.Healthcheck:
		return ExitFailure // not healthy; Parse has printed the usage or the problem
	case errors.Is(err, config.ErrHelp):
		return ExitOK
	case err != nil:
		return ExitUsage // Parse has printed the problem
	}
	switch cmd {
	case config.Version:
		fmt.Fprintln(stdout, buildinfo.Get())
		return ExitOK
	case config.Healthcheck:
		return healthcheck(ctx, cfg, stdout, stderr)
	}
	return serve(ctx, cfg, config.UnknownEnv(environ), stdout, stderr)
}

// getenv returns a lookup in environ that gives what os.Getenv would: the
// value of the first entry of a name, "" for a name not there.
func getenv(environ []string) func(string) string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if _, dup := m[name]; !dup {
			m[name] = value
		}
	}
	return func(name string) string { return m[name] }
}

// healthcheck probes the server at cfg.Addr.
func healthcheck(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) int {
	if err := probe.Healthy(ctx, cfg.Addr, cfg.HealthcheckTimeout); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("stopped before the verdict: %w", context.Cause(ctx))
		}
		fmt.Fprintln(stderr, "hello healthcheck:", err)
		return ExitFailure
	}
	fmt.Fprintln(stdout, "hello healthcheck: healthy")
	return ExitOK
}
