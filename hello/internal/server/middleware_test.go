package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestComposedRunsEveryMiddlewareOnce checks the middleware chain built
// once: each middleware runs once per request, in order, around the
// handler the router picked, including echo's own 404, 405 and OPTIONS
// handlers.
func TestComposedRunsEveryMiddlewareOnce(t *testing.T) {
	var trace []string
	mark := func(name string) echo.MiddlewareFunc {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				trace = append(trace, name+">")
				err := next(c)
				trace = append(trace, "<"+name)
				return err
			}
		}
	}
	e := echo.New()
	e.Use(composed(mark("a"), mark("b")))
	e.GET("/", func(c echo.Context) error {
		trace = append(trace, "handler")
		return c.String(http.StatusOK, "hi")
	})
	tests := []struct {
		method, path string
		status       int
		trace        string
	}{
		{"GET", "/", 200, "a> b> handler <b <a"},
		{"GET", "/missing", 404, "a> b> <b <a"},
		{"POST", "/", 405, "a> b> <b <a"},
		{"OPTIONS", "/", 204, "a> b> <b <a"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			trace = nil
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if got := strings.Join(trace, " "); got != tt.trace {
				t.Errorf("trace %q, want %q", got, tt.trace)
			}
		})
	}
}

// TestIncomingRequestIDIsNotAliased checks that adding to the response's
// X-Request-Id after the middleware leaves the request's header alone,
// although the two share the value.
func TestIncomingRequestIDIsNotAliased(t *testing.T) {
	e := echo.New()
	e.Use(requestIDMiddleware(nil)) // a valid incoming id needs no generator
	e.GET("/", func(c echo.Context) error {
		c.Response().Header().Add(HeaderRequestID, "second")
		return c.NoContent(http.StatusNoContent)
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header[HeaderRequestID] = make([]string, 1, 4) // room to append in place
	req.Header[HeaderRequestID][0] = "incoming-1"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if got := rec.Header()[HeaderRequestID]; strings.Join(got, ",") != "incoming-1,second" {
		t.Errorf("response X-Request-Id = %q, want [incoming-1 second]", got)
	}
	if got := req.Header[HeaderRequestID]; len(got) != 1 || got[0] != "incoming-1" || got[:2][1] != "" {
		t.Errorf("request X-Request-Id changed to %q", got[:cap(got)])
	}
}
