// Command hello is a small production-grade HTTP server that answers
// "Hello from Multi-Stage Build!". See README.md for its flags, endpoints,
// logs, signals and exit codes.
//
// Usage:
//
//	hello [flags]              serve HTTP (default address :8080)
//	hello healthcheck [flags]  exit 0 if the server's /healthz answers 200
//	hello version              print build information
//
// main only wires the process to package cli: it ignores SIGPIPE, hands
// SIGTERM, SIGINT, SIGQUIT and SIGHUP to cli's stop context (cli.StopOn
// says what each does) and exits with cli.Run's code. It must not hold logic of its own, which only an exec'd binary
// could test.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-multistage/multistage/hello/internal/cli"
)

func main() {
	// A log reader that goes away must not kill the server: with SIGPIPE
	// ignored, a write to a closed stdout fails with EPIPE instead.
	signal.Ignore(syscall.SIGPIPE)
	// Caught from the start, so that an early SIGTERM still leads to a
	// clean exit. The first starts a graceful shutdown, a second exits.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP)
	ctx := cli.StopOn(context.Background(), signals)
	os.Exit(cli.Run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}
