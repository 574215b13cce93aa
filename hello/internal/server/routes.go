package server

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Greeting is the body of GET /, byte for byte what the original server sent.
const Greeting = "Hello from Multi-Stage Build!"

// Preencoded bodies. JSON bodies end with a newline, as echo's own do.
var (
	greetingBody = []byte(Greeting)
	healthyBody  = []byte(`{"status":"ok"}` + "\n")
	readyBody    = []byte(`{"status":"ready"}` + "\n")
	notReadyBody = []byte(`{"status":"shutting down"}` + "\n")
)

// Content types of the responses.
const (
	mimeTextPlain = "text/plain; charset=utf-8"
	mimeJSON      = "application/json"
)

// Canonical header names, for direct map access.
const (
	headerCache       = "Cache-Control"
	headerContentType = "Content-Type"
)

// Shared header values. len == cap, so a later Add reallocates instead of
// writing into them; nothing may modify their elements.
var (
	cacheNoStore   = []string{"no-store"}
	textPlainValue = []string{mimeTextPlain}
)

// routes registers every endpoint. HEAD is served wherever GET is.
func (s *Server) routes(e *echo.Echo) {
	get := func(path string, h echo.HandlerFunc) {
		e.GET(path, h)
		e.HEAD(path, h)
	}
	get("/", s.greet)
	get("/healthz", s.healthz)
	get("/readyz", s.readyz)
	get("/version", s.version)
	registerTestRoutes(e)
}

// greet answers the greeting as text/plain. It is the hot path: it sets
// the header from a shared value instead of allocating one per request.
func (s *Server) greet(c echo.Context) error {
	res := c.Response()
	res.Header()[headerContentType] = textPlainValue
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(greetingBody)
	return err
}

// healthz is the liveness probe: 200 while the process serves at all,
// including while it drains.
func (s *Server) healthz(c echo.Context) error {
	c.Response().Header()[headerCache] = cacheNoStore
	return c.Blob(http.StatusOK, mimeJSON, healthyBody)
}

// readyz is the readiness probe: 200 while serving, 503 from the moment
// shutdown begins.
func (s *Server) readyz(c echo.Context) error {
	c.Response().Header()[headerCache] = cacheNoStore
	if !s.ready.Load() {
		return c.Blob(http.StatusServiceUnavailable, mimeJSON, notReadyBody)
	}
	return c.Blob(http.StatusOK, mimeJSON, readyBody)
}

// version reports the build information as JSON.
func (s *Server) version(c echo.Context) error {
	return c.Blob(http.StatusOK, mimeJSON, s.versionBody)
}

// jsonBody encodes v as a response body: JSON and a newline.
func jsonBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(b, '\n'), err
}
