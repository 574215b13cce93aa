// Command hello is a small production-grade HTTP server that answers
// "Hello from Multi-Stage Build!". See README.md for its flags, endpoints,
// logs, signals and exit codes.
//
// Usage:
//
//	hello [flags]              serve HTTP (default address :8080)
//	hello healthcheck [flags]  exit 0 if the server's /healthz answers 200
//	hello version              print build information
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-multistage/multistage/hello/internal/batchwriter"
	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/config"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/probe"
	"github.com/go-multistage/multistage/hello/internal/server"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // serving, shutting down or the health check failed
	exitUsage   = 2 // bad flags or environment
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd, cfg, err := config.Parse(args, getenv, stderr)
	switch {
	case errors.Is(err, config.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage // Parse has printed the problem
	}

	switch cmd {
	case config.Version:
		fmt.Fprintln(stdout, buildinfo.Get())
		return exitOK
	case config.Healthcheck:
		if err := probe.Healthy(context.Background(), cfg.Addr, cfg.HealthcheckTimeout); err != nil {
			fmt.Fprintln(stderr, "hello healthcheck:", err)
			return exitFailure
		}
		fmt.Fprintln(stdout, "hello healthcheck: healthy")
		return exitOK
	default:
		// Signals are caught before the server starts, so an early SIGTERM
		// still leads to a clean exit.
		signals := make(chan os.Signal, 2)
		signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(signals)
		return serve(cfg, stdout, signals)
	}
}

// Access log lines are batched: a line reaches stdout at most
// logFlushDelay after it was logged, in writes of up to logBufferSize.
// Other records are written at once, after the pending lines.
const (
	logBufferSize = 32 << 10
	logFlushDelay = 100 * time.Millisecond
)

// serve runs the server until it fails or a signal stops it. The first
// signal starts a graceful shutdown; a second one exits at once. Every
// log line is on stdout before serve returns.
func serve(cfg config.Config, stdout io.Writer, signals <-chan os.Signal) int {
	out := batchwriter.New(stdout, logBufferSize, logFlushDelay)
	defer out.Close()
	logger := slog.New(jsonlog.New(out.Direct(), slog.LevelInfo))
	var accessLog *jsonlog.Handler
	if cfg.AccessLog {
		accessLog = jsonlog.New(out, slog.LevelInfo)
	}

	srv, err := server.New(server.Config{
		Addr:              cfg.Addr,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ShutdownDelay:     cfg.ShutdownDelay,
		GracePeriod:       cfg.GracePeriod,
		AccessLog:         accessLog,
		TrustedProxies:    cfg.TrustedProxies,
		Build:             buildinfo.Get(),
	}, logger)
	if err != nil {
		logger.Error("cannot start", "error", err.Error())
		return exitFailure
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()

	select {
	case err := <-done:
		return exitCode(err)
	case sig := <-signals:
		logger.Info("signal received, shutting down", "signal", sig.String())
		stop()
	}
	select {
	case err := <-done:
		return exitCode(err)
	case sig := <-signals:
		logger.Warn("second signal received, exiting without draining", "signal", sig.String())
		return exitFailure
	}
}

// exitCode maps the server's result to an exit code; Run has logged errors.
func exitCode(err error) int {
	if err != nil {
		return exitFailure
	}
	return exitOK
}
