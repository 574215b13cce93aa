// Package server is the hello HTTP server: its routes, middleware, the
// http.Server around them and the graceful shutdown.
//
// It is the only package that may import echo (.golangci.yml's depguard
// holds the rule), so that moving to another echo major version touches
// nothing else; its API must not show echo's types. It must not read
// flags, the environment or signals: it takes a [Config], a logger and a
// context.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/go-multistage/multistage/hello/internal/buildinfo"
	"github.com/go-multistage/multistage/hello/internal/httplimit"
	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/requestid"
)

// Config holds the settings of a [Server].
type Config struct {
	// Addr is the TCP address to listen on; port 0 picks a free port.
	Addr string

	// Limits are the timeouts and caps of the underlying http.Server and
	// of the connections. All must be set.
	httplimit.Limits

	// ShutdownDelay is how long the server goes on accepting requests after
	// shutdown begins, /readyz answering 503 meanwhile.
	ShutdownDelay time.Duration
	// GracePeriod bounds how long in-flight requests may then run.
	GracePeriod time.Duration

	// AccessLog receives one record per request; nil turns the access
	// log off. It is a *jsonlog.Writer rather than any slog.Handler for
	// speed: records go to it without building a slog.Record.
	AccessLog *jsonlog.Writer
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
	// conns tracks the client connections.
	conns *tracker
	// lastFullWarn is when warnFull last logged, on conns' clock.
	lastFullWarn atomic.Int64
	// ownEvery is how often the requests net/http answered itself are
	// logged (see reportOwn).
	ownEvery time.Duration

	versionBody []byte
}

// New builds a Server that logs its events (start, stop, errors, panics)
// to logger.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	if cfg.ReadHeaderTimeout <= 0 || cfg.ReadTimeout <= 0 || cfg.WriteTimeout <= 0 ||
		cfg.IdleTimeout <= 0 || cfg.GracePeriod <= 0 || cfg.MaxHeaderBytes <= 0 || cfg.ShutdownDelay < 0 ||
		cfg.MaxConnections <= 0 {
		return nil, errors.New("server: timeouts, grace period, header limit and connection cap must be positive")
	}
	ids, err := requestid.NewGenerator()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{cfg: cfg, log: logger, conns: newTracker(connectionCap(cfg.MaxConnections, logger))}
	s.conns.onFull = s.warnFull
	s.ownEvery = ownReportEvery
	s.versionBody, err = jsonBody(cfg.Build)
	if err != nil {
		return nil, fmt.Errorf("server: encode build info: %w", err)
	}
	s.echo = s.newEcho(ids)
	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           s.connectionControl(s.echo),
		ConnState:         s.conns.connState,
		ConnContext:       withConn,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// connectionCap returns the cap the server enforces: limit, or less where
// the file descriptor limit would not allow that many connections, which
// it then logs.
func connectionCap(limit int, logger *slog.Logger) int {
	nofile, known := fileLimit()
	fitted := fitCap(limit, nofile, known)
	if fitted < limit {
		logger.Warn("connection cap lowered to fit the file descriptor limit",
			"max_connections", limit, "effective", fitted, "nofile", nofile, "reserved", fdReserve)
	}
	return fitted
}

// fullWarnEvery is the least time between two "connection cap reached"
// warnings.
const fullWarnEvery = 10 * time.Second

// warnFull logs that new connections find the cap reached, or the process
// out of file descriptors, at most once per fullWarnEvery, with what the
// cap has done since the server started.
func (s *Server) warnFull() {
	now := s.conns.now()
	last := s.lastFullWarn.Load()
	if last != 0 && now-last < int64(fullWarnEvery) || !s.lastFullWarn.CompareAndSwap(last, now) {
		return
	}
	t := s.conns
	s.log.Warn("connection cap reached, making room",
		"open", t.open(), "max_connections", t.max,
		"closed_silent_total", t.evictedSilent.Load(), "closed_stuck_total", t.evictedSlow.Load(),
		"out_of_file_descriptors_total", t.fdExhausted.Load())
}

// BusyConnections returns the number of client connections in the middle
// of a request now: those an exit would cut off. Idle keep-alive
// connections and new ones that have sent nothing are not counted.
func (s *Server) BusyConnections() int { return s.conns.busy() }

// Handler returns the server's HTTP handler, with all middleware.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// connectionControl decides, before echo sees a request, whether its
// connection closes after the response: during shutdown, so that
// keep-alive connections end after a complete exchange instead of being
// closed between two requests (see [Server.drain]); and after a request
// with a Transfer-Encoding, as RFC 9112 §6.1 requires when it came with a
// Content-Length too. net/http deletes that Content-Length before any
// handler runs, so the two cases cannot be told apart: every request with
// a Transfer-Encoding (net/http accepts only chunked) closes its connection.
// It also notes the request on its connection, for the log of a request
// cut off at shutdown.
func (s *Server) connectionControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(*trackedConn)
		if c != nil {
			c.req.Store(r)
		}
		if s.draining.Load() || len(r.TransferEncoding) > 0 {
			w.Header()["Connection"] = connectionClose
		}
		next.ServeHTTP(w, r)
		if c != nil {
			c.handled.Store(c.t.now()) // what follows is net/http's: the cap may cut it when stuck
		}
	})
}

// connectionClose is the shared "Connection: close" header value.
var connectionClose = []string{"close"}

// connKey is the context key of a request's *trackedConn.
type connKey struct{}

// withConn is the http.Server's ConnContext hook.
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
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
	ln = newListener(ln, s.conns)
	s.ready.Store(true)
	s.log.Info("server started",
		"addr", ln.Addr().String(),
		"version", s.cfg.Build.Version,
		"access_log", s.cfg.AccessLog != nil)

	stopReport := s.startOwnReport()
	defer stopReport()
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(ln) }()
	select {
	case err := <-served:
		s.ready.Store(false)
		s.log.Error("server failed", "error", err)
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	return s.shutdown(ln, served, stopReport)
}

// drainPoll is how often the drain looks at the connections.
const drainPoll = 5 * time.Millisecond

// shutdown drains the server; served delivers the result of http.Server.Serve.
//
// http.Server.Shutdown alone breaks promises (see conns.go), so the server
// drains its connections itself: it stops keep-alive by answering with
// "Connection: close", lets busy connections end after their exchange,
// closes the connections that are silent (no byte of a request since their
// last response), and waits for those whose request has begun, until the
// grace period ends. stopReport ends the report of net/http's own answers,
// whose last record comes before the shutdown's.
func (s *Server) shutdown(ln net.Listener, served <-chan error, stopReport func()) error {
	s.ready.Store(false)
	s.draining.Store(true)
	s.log.Info("shutdown started",
		"shutdown_delay", s.cfg.ShutdownDelay.String(),
		"grace_period", s.cfg.GracePeriod.String())
	if s.cfg.ShutdownDelay > 0 {
		time.Sleep(s.cfg.ShutdownDelay)
	}

	deadline := time.Now().Add(s.cfg.GracePeriod)
	s.conns.grace.Store(deadline.UnixNano())
	ln.Close() // no new connections; Serve returns
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
		s.log.Error("server failed", "error", serr)
	}
	cut := s.drain(deadline)
	if cut > 0 {
		s.http.Close() // handlers of cut requests may still run: do not wait
	} else {
		// No connection is left: Shutdown only releases net/http's state.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			s.http.Close()
		}
	}
	stopReport()
	if cut > 0 {
		s.log.Error("grace period expired, requests cut off",
			"grace_period", s.cfg.GracePeriod.String(), "cut_off", cut)
		return fmt.Errorf("shutdown: grace period of %v expired with %d requests in flight", s.cfg.GracePeriod, cut)
	}
	s.log.Info("server stopped")
	return nil
}

// drain closes silent connections and waits for the others to close by
// themselves, until deadline. Then it cuts the connections left, logs the
// requests it cut off, and returns their number.
func (s *Server) drain(deadline time.Time) (cut int) {
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		conns := s.conns.snapshot()
		if len(conns) == 0 {
			return 0
		}
		if !time.Now().Before(deadline) {
			return s.cut(conns)
		}
		now := s.conns.now()
		for _, c := range conns {
			if !c.interrupted.Load() && c.silent(now) {
				c.interrupt()
			}
		}
		select {
		case <-tick.C:
		case <-s.conns.freed:
		}
	}
}

// cut closes conns at the end of the grace period and logs each request it
// cuts off: one being served, or one partly received. Silent connections
// are closed without a record.
func (s *Server) cut(conns []*trackedConn) (cut int) {
	for _, c := range conns {
		c.cutOff.Store(true)
		client := c.RemoteAddr().String()
		switch r := c.req.Load(); {
		case c.state.Load() == connActive && r != nil:
			cut++
			s.log.Warn("request cut off at shutdown",
				"method", r.Method, "path", r.URL.Path, "client", client)
		case c.got.Load():
			cut++
			s.log.Warn("partly received request cut off at shutdown", "client", client)
		}
		c.Close()
	}
	return cut
}
