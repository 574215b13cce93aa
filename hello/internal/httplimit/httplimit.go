// Package httplimit holds the timeouts and caps of hello's HTTP server in
// one type: package config fills it from the settings, package server
// applies it, and package cli hands it from one to the other, so that each
// limit is declared once.
//
// It must not parse, check or apply the limits (config checks their ranges,
// server applies them), nor import any other package of hello.
package httplimit

import "time"

// Limits are the timeouts and caps of the HTTP server. The server needs
// every one of them set.
type Limits struct {
	// ReadHeaderTimeout bounds the reading of a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of a request's headers to
	// the end of its response.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait of a keep-alive connection for its next
	// request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's header section.
	MaxHeaderBytes int
	// MaxConnections caps the client connections open at once. At the
	// cap, the connection silent the longest is closed to make room; if
	// none is silent, new connections wait to be accepted.
	MaxConnections int
}
