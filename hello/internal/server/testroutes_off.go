//go:build !e2etest

package server

import "github.com/labstack/echo/v4"

// registerTestRoutes adds nothing to release builds; see testroutes_e2e.go.
func registerTestRoutes(*echo.Echo) {}
