package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

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
	e.Use(requestIDMiddleware(ids))
	if s.cfg.AccessLog != nil {
		e.Use(accessLog(s.cfg.AccessLog))
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		StackSize:       8 << 10,
		DisableStackAll: true,
		LogErrorFunc:    s.logPanic,
	}))
	s.routes(e)
	return e
}

// requestIDMiddleware keeps a sane incoming X-Request-Id (see
// [requestid.Valid]) or makes a new one, and sets it on the response.
func requestIDMiddleware(ids *requestid.Generator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var id string
			if v := c.Request().Header[HeaderRequestID]; len(v) > 0 && requestid.Valid(v[0]) {
				id = v[0]
			} else {
				id = ids.Next()
			}
			c.Response().Header()[HeaderRequestID] = []string{id}
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

// accessLog returns echo's RequestLogger writing one record per request
// to h: method, path, status, latency (nanoseconds), bytes_out,
// request_id, client_ip.
func accessLog(h *jsonlog.Handler) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:       true,
		LogURIPath:      true,
		LogStatus:       true,
		LogLatency:      true,
		LogResponseSize: true,
		LogRemoteIP:     true,
		HandleError:     true, // the error handler sets the status logged
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			size := v.ResponseSize
			if v.Method == http.MethodHead {
				size = 0 // net/http discarded the body
			}
			// A failed write to the log cannot be logged; the response is
			// already sent either way.
			_ = h.HandleAttrs(v.StartTime.Add(v.Latency), slog.LevelInfo, "request",
				slog.String("method", v.Method),
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
				slog.Int64("bytes_out", size),
				slog.String("request_id", requestIDOf(c)),
				slog.String("client_ip", v.RemoteIP),
			)
			return nil
		},
	})
}

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
	for line := range strings.Lines(string(p)) {
		if line = strings.TrimSpace(line); line != "" {
			l.log.Warn(l.msg, "detail", line)
		}
	}
	return len(p), nil
}

var _ io.Writer = (*lineLogger)(nil)
