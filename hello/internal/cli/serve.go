package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/config"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/logsink"
	"github.com/go-multistage/multistage/hello/internal/server"
)

// How long the last log records may take to reach stdout at exit: an
// output that has stalled must not hold the process. After a second
// signal, which asks for an exit at once, the wait is shorter.
const (
	logFlushTimeout       = time.Second
	logFlushTimeoutForced = 200 * time.Millisecond
)

// serve runs the server until it fails or ctx stops it. ctx's end starts
// a graceful shutdown; a second signal (see [StopOn]) returns at once,
// leaving the server to the exit of the process. Log records go to stdout
// through a bounded buffer ([logsink]): serving never waits for stdout,
// and records stdout does not take are dropped, counted and reported.
// unknown are the HELLO_* variables nothing reads, warned of at start.
func serve(ctx context.Context, cfg config.Config, unknown []config.UnknownVar, stdout, stderr io.Writer) int {
	var logger *slog.Logger
	sink := logsink.New(stdout, logsink.Options{
		OnError: func(err error) {
			fmt.Fprintf(stderr, "hello: cannot write the log to stdout: %v; "+
				"log records are dropped and counted until it works again\n", err)
		},
		OnRecovered: func(d logsink.Drops) {
			logger.Warn("log records dropped", dropAttrs("dropped", d)...)
		},
	})
	logger = slog.New(slog.NewJSONHandler(sink.Events(), nil))
	flushTimeout := logFlushTimeout
	defer func() { closeLog(sink, logger, stderr, flushTimeout) }()
	warnUnknownEnv(logger, unknown)
	var accessLog *jsonlog.Writer
	if cfg.AccessLog {
		accessLog = jsonlog.New(sink.Lines())
	}

	srv, err := server.New(serverConfig(cfg, accessLog), logger)
	if err != nil {
		logger.Error("cannot start", "error", err.Error())
		return ExitFailure
	}

	// The server gets a context of its own, so that the reason to stop is
	// logged before the shutdown's first record.
	serving, shutdown := context.WithCancel(context.WithoutCancel(ctx))
	defer shutdown()
	done := make(chan error, 1)
	go func() { done <- srv.Run(serving) }()

	go logIgnored(serving, logger, ignoredSignals(ctx))

	select {
	case err := <-done:
		return exitCode(err)
	case <-ctx.Done():
	}
	var urgent <-chan struct{}
	var stop *stopSignal
	switch {
	case errors.As(context.Cause(ctx), &stop) && stop.quit() && stop.sig == stop.again:
		// SIGQUIT first: no shutdown, the dump and the exit.
	case stop != nil:
		logger.Info("signal received, shutting down", "signal", stop.sig.String())
		urgent = stop.urgent
		shutdown()
	default:
		logger.Info("stop requested, shutting down", "cause", context.Cause(ctx).Error())
		shutdown()
	}
	if urgent != nil || stop == nil {
		select {
		case err := <-done:
			return exitCode(err)
		case <-urgent:
		}
	}
	flushTimeout = logFlushTimeoutForced
	if stop.quit() {
		writeStacks(stderr, stackWriteTimeout)
		logger.Warn("SIGQUIT received, goroutine stacks written to stderr, exiting without draining",
			"signal", stop.again.String(), "connections_cut", srv.BusyConnections())
		return ExitQuit
	}
	logger.Warn("second signal received, exiting without draining",
		"signal", stop.again.String(), "connections_cut", srv.BusyConnections())
	return ExitFailure
}

// logIgnored logs each signal received on signals (SIGHUP, see [StopOn])
// until ctx is done.
func logIgnored(ctx context.Context, logger *slog.Logger, signals <-chan os.Signal) {
	for {
		select {
		case sig := <-signals:
			logger.Info("signal ignored: hello has nothing to reload; SIGTERM stops it", "signal", sig.String())
		case <-ctx.Done():
			return
		}
	}
}

// stackWriteTimeout bounds the goroutine dump: a stalled stderr must not
// hold the exit.
const stackWriteTimeout = time.Second

// writeStacks writes the stack of every goroutine to w, as the Go runtime
// does on SIGQUIT, waiting at most timeout for w to take it.
func writeStacks(w io.Writer, timeout time.Duration) {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	for n == len(buf) && len(buf) < 64<<20 {
		buf = make([]byte, 2*len(buf))
		n = runtime.Stack(buf, true)
	}
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = w.Write(buf[:n])
	}()
	select {
	case <-written:
	case <-time.After(timeout):
	}
}

// warnUnknownEnv logs the HELLO_* variables nothing reads, if any, in one
// record: "variables" lists them, "did_you_mean" maps each that is close
// to a known one to it.
func warnUnknownEnv(logger *slog.Logger, unknown []config.UnknownVar) {
	if len(unknown) == 0 {
		return
	}
	names := make([]string, len(unknown))
	closest := map[string]string{}
	for i, u := range unknown {
		names[i] = u.Name
		if u.Closest != "" {
			closest[u.Name] = u.Closest
		}
	}
	attrs := []any{"variables", names}
	if len(closest) > 0 {
		attrs = append(attrs, "did_you_mean", closest)
	}
	logger.Warn("unknown environment variables ignored", attrs...)
}

// serverConfig is the part of cfg that the server takes, with the access
// log handler (nil: off).
func serverConfig(cfg config.Config, accessLog *jsonlog.Writer) server.Config {
	return server.Config{
		Addr:           cfg.Addr,
		Limits:         cfg.Limits,
		ShutdownDelay:  cfg.ShutdownDelay,
		GracePeriod:    cfg.GracePeriod,
		AccessLog:      accessLog,
		TrustedProxies: cfg.TrustedProxies,
		Build:          buildinfo.Get(),
	}
}

// closeLog reports the records dropped over the whole run, then writes out
// what is pending, waiting at most timeout. What stdout could not take is
// reported on stderr.
func closeLog(sink *logsink.Sink, logger *slog.Logger, stderr io.Writer, timeout time.Duration) {
	if d := sink.Drops(); d.Total() > 0 {
		logger.Warn("log records dropped in total", dropAttrs("dropped_total", d)...)
	}
	if err := sink.Close(timeout); err != nil {
		fmt.Fprintf(stderr, "hello: %v\n", err)
	}
	if d := sink.Drops(); d.Total() > 0 {
		fmt.Fprintf(stderr, "hello: %d log records were dropped (%s)\n", d.Total(), dropReasons(d))
	}
}

// dropAttrs are the log attributes of drops d: the total under key, then
// the count of each reason, and the main reason in words.
func dropAttrs(key string, d logsink.Drops) []any {
	return []any{key, d.Total(),
		"oversized", d.Oversized, "stdout_slow", d.Stalled, "overload", d.Behind, "write_failed", d.Failed,
		"reason", mainReason(d)}
}

// dropReason is one reason records were dropped, with their count.
type dropReason struct {
	n   int64
	why string
}

// reasons lists drops d by reason, in words.
func reasons(d logsink.Drops) []dropReason {
	return []dropReason{
		{d.Stalled, "stdout did not take them"},
		{d.Behind, "the log writer fell behind (CPU overload)"},
		{d.Oversized, "records larger than the log buffer"},
		{d.Failed, "writes to stdout failed"},
	}
}

// mainReason names the reason most of drops d had.
func mainReason(d logsink.Drops) string {
	rs := reasons(d)
	main := rs[0]
	for _, r := range rs[1:] {
		if r.n > main.n {
			main = r
		}
	}
	return main.why
}

// dropReasons says drops d by reason, for stderr.
func dropReasons(d logsink.Drops) string {
	var parts []string
	for _, r := range reasons(d) {
		if r.n > 0 {
			parts = append(parts, fmt.Sprintf("%d: %s", r.n, r.why))
		}
	}
	return strings.Join(parts, "; ")
}

// exitCode maps the server's result to an exit code; the server has
// logged its errors.
func exitCode(err error) int {
	if err != nil {
		return ExitFailure
	}
	return ExitOK
}
