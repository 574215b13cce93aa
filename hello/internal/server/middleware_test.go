package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

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
