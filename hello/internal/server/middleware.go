package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/labstack/gommon/log"

	"github.com/go-multistage/multistage/hello/internal/jsonlog"
	"github.com/go-multistage/multistage/hello/internal/requestid"
)

// HeaderRequestID carries the request id, in canonical form so that map
// lookups need no conversion (echo.HeaderXRequestID is "X-Request-ID").
const HeaderRequestID = "X-Request-Id"

// newEcho builds the echo instance: settings, error handler, middleware
// and routes.
func (s *Server) newEcho(ids *requestid.Generator) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// echo's own logger (used for rare warnings such as "response already
	// committed") goes into the JSON log stream too.
	e.Logger.SetHeader("${level} ${short_file}:${line}")
	e.Logger.SetLevel(log.WARN)
	e.Logger.SetOutput(&lineLogger{log: s.log, msg: "echo"})
	e.IPExtractor = ipExtractor(s.cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError

	// Order matters: the id exists before anything logs; the access log
	// sees the final status, including a recovered panic's 500.
	mws := []echo.MiddlewareFunc{requestIDMiddleware(ids)}
	if s.cfg.AccessLog != nil {
		line := s.cfg.AccessLog.Prepare(slog.LevelInfo, "request")
		s.conns.logAccess = func(e *access, written int64, err error, took time.Duration) {
			writeAccess(line, e, written, err, took)
		}
		mws = append(mws, accessLog(line))
	}
	mws = append(mws, middleware.RecoverWithConfig(middleware.RecoverConfig{
		StackSize:       8 << 10,
		DisableStackAll: true,
		LogErrorFunc:    s.logPanic,
	}))
	e.Use(mws...)
	s.routes(e)
	return e
}

// requestIDMiddleware keeps a sane incoming X-Request-Id (see
// [requestid.Valid]) or makes a new one, and sets it on the response.
func requestIDMiddleware(ids *requestid.Generator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := c.Request().Header[HeaderRequestID]
			if len(v) > 0 && requestid.Valid(v[0]) {
				// Share the request's value: cap 1 makes a later Add
				// copy it, and nothing writes to its element.
				v = v[:1:1]
			} else {
				v = []string{ids.Next()}
			}
			c.Response().Header()[HeaderRequestID] = v
			return next(c)
		}
	}
}

// requestIDOf returns the id requestIDMiddleware set.
func requestIDOf(c echo.Context) string {
	if v := c.Response().Header()[HeaderRequestID]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// accessLog gathers one access record per request (see [access]): method,
// path, status, request id and client IP when the handler returns, and
// hands it to the request's connection, which writes the line with the
// latency, the bytes and the outcome of the response as written
// ([writeAccess]). It does what echo's RequestLogger does with HandleError
// set (the error handler runs first, so the status logged is the one
// sent) without filling its thirty-field values struct per request. A
// request served without a tracked connection (a handler called directly)
// is logged at once, with the body's size.
func accessLog(line *jsonlog.Prepared) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // sets the status; echo skips a committed response later
			}
			req, res := c.Request(), c.Response()
			path := req.URL.Path
			switch {
			case req.Method == http.MethodConnect:
				path = req.URL.Host // the target "host:port"; the path is empty
			case path == "":
				path = "/"
			}
			e := access{method: req.Method, path: path, requestID: requestIDOf(c), clientIP: c.RealIP(),
				status: res.Status, start: start}
			if tc, ok := req.Context().Value(connKey{}).(*trackedConn); ok {
				tc.setAccess(e)
				return err
			}
			size := res.Size
			if req.Method == http.MethodHead {
				size = 0 // net/http discards the body
			}
			writeAccess(line, &e, size, nil, time.Since(start))
			return err
		}
	}
}

// writeAccess writes the access line of e: written bytes of the response
// reached the connection, took is the time from the request's start to
// then, and err (nil when the response was written) ended the response.
// The record is written field by field ([jsonlog.Entry]) after a start
// encoded once ([jsonlog.Prepared]): the request path pays for no
// slog.Attr, no allocation, and no encoding of the level, message or field
// names.
func writeAccess(line *jsonlog.Prepared, e *access, written int64, err error, took time.Duration) {
	// Only the monotonic clock for took: time.Now reads both clocks, and
	// costs tens of nanoseconds on virtual machines.
	rec := line.Begin(e.start.Add(took))
	rec.String(keyMethod, e.method)
	rec.String(keyPath, e.path)
	rec.Int(keyStatus, int64(e.status))
	rec.Duration(keyLatency, took)
	rec.Int(keyBytesOut, written)
	rec.String(keyRequestID, e.requestID)
	rec.String(keyClientIP, e.clientIP)
	if err != nil {
		rec.String(keyWriteError, err.Error())
	}
	// A failed write to the log cannot be logged; the response is gone
	// either way.
	_ = rec.End()
}

// The access log's field names.
var (
	keyMethod    = jsonlog.NewKey("method")
	keyPath      = jsonlog.NewKey("path")
	keyStatus    = jsonlog.NewKey("status")
	keyLatency   = jsonlog.NewKey("latency")
	keyBytesOut  = jsonlog.NewKey("bytes_out")
	keyRequestID = jsonlog.NewKey("request_id")
	keyClientIP  = jsonlog.NewKey("client_ip")
	// keyWriteError is there only when the response could not be written.
	keyWriteError = jsonlog.NewKey("write_error")
)

// logPanic logs a recovered panic with its stack and turns it into a 500.
func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	req := c.Request()
	s.log.Error("panic recovered",
		"error", err.Error(),
		"method", req.Method,
		"path", req.URL.Path,
		"request_id", requestIDOf(c),
		"stack", string(stack))
	return echo.NewHTTPError(http.StatusInternalServerError).SetInternal(err)
}

// handleError answers every failed request with its status and a small JSON
// body, {"message":"<status text>"}, never with internal details.
// Unexpected errors (not echo.HTTPError) are logged and become 500.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
	} else {
		s.log.Error("request failed", "error", err.Error(), "request_id", requestIDOf(c))
	}
	var werr error
	if c.Request().Method == http.MethodHead {
		werr = c.NoContent(code)
	} else {
		werr = c.Blob(code, mimeJSON, errorBody(code))
	}
	if werr != nil {
		s.log.Warn("cannot send error response", "status", code, "error", werr.Error())
	}
}

// errorBody returns {"message":"<status text>"} and a newline.
func errorBody(code int) []byte {
	text := http.StatusText(code)
	if text == "" {
		text = "Error"
	}
	return []byte(`{"message":"` + text + `"}` + "\n") // status texts need no escaping
}

// ipExtractor returns how the client IP is found: the direct peer, unless
// that peer is a trusted proxy, in which case X-Forwarded-For is walked
// from the right up to the first untrusted address.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{
		echo.TrustLoopback(false),
		echo.TrustLinkLocal(false),
		echo.TrustPrivateNet(false),
	}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{
			IP:   p.Addr().AsSlice(),
			Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen()),
		}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// lineLogger turns each line written to it into a warning record.
type lineLogger struct {
	log *slog.Logger
	msg string
}

func (l *lineLogger) Write(p []byte) (int, error) {
	for _, line := range strings.Split(string(p), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			l.log.Warn(l.msg, "detail", line)
		}
	}
	return len(p), nil
}

var _ io.Writer = (*lineLogger)(nil)
