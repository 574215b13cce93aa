//go:build e2etest

package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// registerTestRoutes adds routes that only the end-to-end tests use, in
// binaries built with -tags e2etest:
//
//	GET /_test/slow?d=3s  sends 200 and its headers at once, waits d, then
//	                      sends the body "slow done"
//	GET /_test/panic      panics
func registerTestRoutes(e *echo.Echo) {
	e.GET("/_test/slow", func(c echo.Context) error {
		d, err := time.ParseDuration(c.QueryParam("d"))
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest)
		}
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, mimeTextPlain)
		res.WriteHeader(http.StatusOK)
		res.Flush()
		time.Sleep(d)
		_, err = res.Write([]byte("slow done"))
		return err
	})
	e.GET("/_test/panic", func(echo.Context) error {
		panic("test panic")
	})
}
