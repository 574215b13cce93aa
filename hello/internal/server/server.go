// Package server is the hello HTTP server: its routes, middleware, the
// http.Server around them and the graceful shutdown. It is the only package
// that imports echo, so that moving to another echo major version touches
// nothing else.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/requestid"
)

// Config holds the settings of a [Server].
type Config struct {
	// Addr is the TCP address to listen on; port 0 picks a free port.
	Addr string

	// Timeouts and limits of the underlying http.Server. All must be set.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	// ShutdownDelay is how long the server goes on accepting requests after
	// shutdown begins, /readyz answering 503 meanwhile.
	ShutdownDelay time.Duration
	// GracePeriod bounds how long in-flight requests may then run.
	GracePeriod time.Duration

	// AccessLog receives one record per request; nil turns the access
	// log off. It is a *jsonlog.Handler rather than any slog.Handler for
	// speed: records go to it without building a slog.Record.
	AccessLog *jsonlog.Handler
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// logging the client IP. Empty means the direct peer is the client.
	TrustedProxies []netip.Prefix

	// Build is what /version reports.
	Build buildinfo.Info
}

// Server serves the hello endpoints. Create it with [New], start it with
// [Server.Run].
type Server struct {
	cfg   Config
	log   *slog.Logger
	echo  *echo.Echo
	http  *http.Server
	ready atomic.Bool

	// draining is set when shutdown begins: from then on every response
	// asks its client to close the connection.
	draining atomic.Bool
	// conns counts the open client connections.
	conns atomic.Int64
	// lastDrainRequest is when the latest request started during shutdown,
	// in Unix nanoseconds.
	lastDrainRequest atomic.Int64

	versionBody []byte
}

// New builds a Server that logs its events (start, stop, errors, panics)
// to logger.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	if cfg.ReadHeaderTimeout <= 0 || cfg.ReadTimeout <= 0 || cfg.WriteTimeout <= 0 ||
		cfg.IdleTimeout <= 0 || cfg.GracePeriod <= 0 || cfg.MaxHeaderBytes <= 0 || cfg.ShutdownDelay < 0 {
		return nil, errors.New("server: timeouts, grace period and header limit must be positive")
	}
	ids, err := requestid.NewGenerator()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{cfg: cfg, log: logger}
	s.versionBody, err = jsonBody(cfg.Build)
	if err != nil {
		return nil, fmt.Errorf("server: encode build info: %w", err)
	}
	s.echo = s.newEcho(ids)
	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           s.closeWhenDraining(s.echo),
		ConnState:         s.countConns,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Handler returns the server's HTTP handler, with all middleware.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// closeWhenDraining makes every response sent during shutdown close its
// connection, so that keep-alive connections end after a complete exchange
// instead of being closed between two requests (see [Server.drain]).
func (s *Server) closeWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			s.lastDrainRequest.Store(time.Now().UnixNano())
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// countConns is the http.Server's ConnState hook: it keeps the number of
// open connections.
func (s *Server) countConns(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Add(-1)
	}
}

// Ready reports whether /readyz answers 200.
func (s *Server) Ready() bool { return s.ready.Load() }

// Run listens on the configured address and serves until ctx is done, then
// shuts down gracefully: /readyz turns 503 at once, new requests are still
// accepted for the shutdown delay, then the listener closes and requests in
// flight get the grace period to finish. Run returns nil after a clean
// shutdown, and an error if it cannot listen, if serving fails, or if the
// grace period ran out and connections had to be cut.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		s.log.Error("cannot listen", "addr", s.cfg.Addr, "error", err)
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is [Server.Run] on a listener the caller opened. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ln = &onceCloseListener{Listener: ln}
	s.ready.Store(true)
	s.log.Info("server started",
		"addr", ln.Addr().String(),
		"version", s.cfg.Build.Version,
		"access_log", s.cfg.AccessLog != nil)

	served := make(chan error, 1)
	go func() { served <- s.http.Serve(ln) }()
	select {
	case err := <-served:
		s.ready.Store(false)
		s.log.Error("server failed", "error", err)
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	return s.shutdown(ln, served)
}

// Draining waits for keep-alive connections to close by themselves after
// their last exchange. Once no request has started for drainQuiet, the
// connections still open are idle ones whose clients are silent, and
// Shutdown may close them; drainWindow bounds the wait in any case.
const (
	drainQuiet  = 200 * time.Millisecond
	drainWindow = time.Second
)

// shutdown drains the server; served delivers the result of http.Server.Serve.
//
// http.Server.Shutdown alone loses requests: it closes every connection that
// is idle at that moment, including those whose client has just sent its
// next request. So shutdown first stops keep-alive by answering with
// "Connection: close", lets busy connections end after their current
// exchange, and calls Shutdown only once they have, or once no request has
// come for a while: then the connections left are really idle.
func (s *Server) shutdown(ln net.Listener, served <-chan error) error {
	s.ready.Store(false)
	s.draining.Store(true)
	s.log.Info("shutdown started",
		"shutdown_delay", s.cfg.ShutdownDelay.String(),
		"grace_period", s.cfg.GracePeriod.String())
	if s.cfg.ShutdownDelay > 0 {
		time.Sleep(s.cfg.ShutdownDelay)
	}

	deadline := time.Now().Add(s.cfg.GracePeriod)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ln.Close() // no new connections; Serve returns
	s.drain(ctx)
	err := s.http.Shutdown(ctx)
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
		s.log.Error("server failed", "error", serr)
	}
	if err != nil {
		s.http.Close()
		s.log.Error("grace period expired, connections closed with requests in flight",
			"grace_period", s.cfg.GracePeriod.String(), "error", err)
		return fmt.Errorf("shutdown: grace period of %v expired: %w", s.cfg.GracePeriod, err)
	}
	s.log.Info("server stopped")
	return nil
}

// drain waits until every connection has closed, no request has started
// for drainQuiet, drainWindow has passed, or ctx is done.
func (s *Server) drain(ctx context.Context) {
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.conns.Load() > 0 {
		quietSince := max(start.UnixNano(), s.lastDrainRequest.Load())
		if time.Since(time.Unix(0, quietSince)) >= drainQuiet || time.Since(start) >= drainWindow {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// onceCloseListener lets shutdown close the listener before
// http.Server.Shutdown closes it again.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

// Close closes the listener the first time and returns that result ever after.
func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
