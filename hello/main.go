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

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/config"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/logsink"
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
	// A log reader that goes away must not kill the server: with SIGPIPE
	// ignored, a write to a closed stdout fails with EPIPE instead.
	signal.Ignore(syscall.SIGPIPE)
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
		return serve(cfg, stdout, stderr, signals)
	}
}

// How long the last log records may take to reach stdout at exit: an
// output that has stalled must not hold the process. After a second
// signal, which asks for an exit at once, the wait is shorter.
const (
	logFlushTimeout       = time.Second
	logFlushTimeoutForced = 200 * time.Millisecond
)

// serve runs the server until it fails or a signal stops it. The first
// signal starts a graceful shutdown; a second one exits at once. Log
// records go to stdout through a bounded buffer ([logsink]): serving never
// waits for stdout, and records stdout does not take are dropped, counted
// and reported.
func serve(cfg config.Config, stdout, stderr io.Writer, signals <-chan os.Signal) int {
	var logger *slog.Logger
	sink := logsink.New(stdout, logsink.Options{
		OnError: func(err error) {
			fmt.Fprintf(stderr, "hello: cannot write the log to stdout: %v; "+
				"log records are dropped and counted until it works again\n", err)
		},
		OnRecovered: func(n int64) {
			logger.Warn("log records dropped", "dropped", n, "reason", "stdout did not take them")
		},
	})
	logger = slog.New(jsonlog.New(sink.Events(), slog.LevelInfo))
	flushTimeout := logFlushTimeout
	defer func() { closeLog(sink, logger, stderr, flushTimeout) }()
	var accessLog *jsonlog.Handler
	if cfg.AccessLog {
		accessLog = jsonlog.New(sink.Lines(), slog.LevelInfo)
	}

	srv, err := server.New(server.Config{
		Addr:              cfg.Addr,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		MaxConnections:    cfg.MaxConnections,
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
		flushTimeout = logFlushTimeoutForced
		return exitFailure
	}
}

// closeLog reports the records dropped over the whole run, then writes out
// what is pending, waiting at most timeout. What stdout could not take is
// reported on stderr.
func closeLog(sink *logsink.Sink, logger *slog.Logger, stderr io.Writer, timeout time.Duration) {
	dropped := sink.Dropped()
	if dropped > 0 {
		logger.Warn("log records dropped in total", "dropped_total", dropped)
	}
	if err := sink.Close(timeout); err != nil {
		fmt.Fprintf(stderr, "hello: %v\n", err)
	}
	if dropped = sink.Dropped(); dropped > 0 {
		fmt.Fprintf(stderr, "hello: %d log records were dropped because stdout did not take them\n", dropped)
	}
}

// exitCode maps the server's result to an exit code; Run has logged errors.
func exitCode(err error) int {
	if err != nil {
		return exitFailure
	}
	return exitOK
}
