// Package probe checks a running server's health with one HTTP/1.1 request
// over a plain TCP connection, for "hello healthcheck".
//
// It must not use net/http's client, which would add about half a
// megabyte to the binary, nor anything from the file system (no
// resolv.conf, certificates or shell), so that it works in a scratch
// container.
package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// DialTargets returns the addresses to connect to for a server listening
// on listen ("host:port"). A server listening on every interface (empty
// host, 0.0.0.0 or ::) is reached through loopback, on 127.0.0.1 and on
// [::1] (first for ::): Go listens on both for any of these forms when the
// system has IPv6, and on IPv4 alone when it does not, and either loopback
// may be missing. Other hosts, names included, are kept as they are.
func DialTargets(listen string) ([]string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", listen, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return nil, fmt.Errorf("listen address %q: port must be a number from 1 to 65535", listen)
	}
	v4, v6 := net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("::1", port)
	if host == "" {
		return []string{v4, v6}, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsUnspecified() {
		if ip.Is6() && !ip.Is4In6() {
			return []string{v6, v4}, nil
		}
		return []string{v4, v6}, nil
	}
	return []string{net.JoinHostPort(host, port)}, nil
}

// Get sends "GET path" to addr and returns the response's status code. It
// reads nothing past the status line. ctx bounds the whole exchange.
func Get(ctx context.Context, addr, path string) (int, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			return 0, err
		}
	}
	// Close the connection when ctx ends without a deadline (cancellation).
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) }) // the pending read reports it
	defer stop()

	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr +
		"\r\nUser-Agent: hello-healthcheck\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		return 0, fmt.Errorf("send request: %w", err)
	}
	code, err := ReadStatus(bufio.NewReaderSize(conn, maxStatusLine))
	if err != nil {
		return 0, fmt.Errorf("read response from %s: %w", addr, err)
	}
	return code, nil
}

// maxStatusLine is the longest status line ReadStatus accepts.
const maxStatusLine = 512

// ErrBadStatusLine reports a response that does not start with a valid
// HTTP/1.x status line.
var ErrBadStatusLine = errors.New("malformed HTTP status line")

// ReadStatus reads an HTTP/1.x status line ("HTTP/1.1 200 OK\r\n") from r
// and returns its status code, from 100 to 599. Lines longer than 512 bytes
// are rejected. r must have a buffer of at least that size.
func ReadStatus(r *bufio.Reader) (int, error) {
	line, err := r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return 0, fmt.Errorf("%w: longer than %d bytes", ErrBadStatusLine, maxStatusLine)
	case err != nil && len(line) == 0:
		return 0, err
	case err != nil:
		return 0, fmt.Errorf("%w: %q is cut short: %v", ErrBadStatusLine, line, err)
	case len(line) > maxStatusLine:
		return 0, fmt.Errorf("%w: longer than %d bytes", ErrBadStatusLine, maxStatusLine)
	}
	return ParseStatusLine(line)
}

// ParseStatusLine returns the status code of one status line, with or
// without its line ending: "HTTP/1.1 503 Service Unavailable\r\n" gives 503.
func ParseStatusLine(line []byte) (int, error) {
	s := string(line)
	bad := func() (int, error) { return 0, fmt.Errorf("%w: %q", ErrBadStatusLine, s) }

	rest, ok := strings.CutPrefix(s, "HTTP/1.")
	if !ok || len(rest) < 5 || !isDigit(rest[0]) || rest[1] != ' ' {
		return bad()
	}
	code := rest[2:5]
	if code[0] < '1' || code[0] > '5' || !isDigit(code[1]) || !isDigit(code[2]) {
		return bad()
	}
	tail := rest[5:]
	tail = strings.TrimSuffix(tail, "\n")
	tail = strings.TrimSuffix(tail, "\r")
	if tail != "" && tail[0] != ' ' {
		return bad()
	}
	for i := 0; i < len(tail); i++ {
		if c := tail[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return bad()
		}
	}
	return int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0'), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Healthy probes GET /healthz on the server listening on listen and
// returns nil only if it answers 200 within timeout. When there are
// several addresses to try ([DialTargets]), all are probed at once and
// the first 200 wins; timeout bounds the whole. The error of a failed
// check holds the error of every address, in the order of DialTargets.
func Healthy(ctx context.Context, listen string, timeout time.Duration) error {
	targets, err := DialTargets(listen)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return probeAll(ctx, targets)
}

// probeAll probes every target at once and returns nil as soon as one
// answers 200, after the others have stopped: no goroutine outlives it.
func probeAll(ctx context.Context, targets []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(targets))
	for i, addr := range targets {
		go func() { results <- result{i, probeHealthz(ctx, addr)} }()
	}
	errs := make(probeErrors, len(targets))
	healthy := false
	for range targets {
		r := <-results
		if r.err == nil && !healthy {
			healthy = true
			cancel() // the others need not finish
		}
		errs[r.i] = r.err
	}
	if healthy {
		return nil
	}
	return errs
}

// probeHealthz sends GET /healthz to addr and returns nil on a 200.
func probeHealthz(ctx context.Context, addr string) error {
	code, err := Get(ctx, addr, "/healthz")
	if err != nil {
		return fmt.Errorf("probe http://%s/healthz: %w", addr, err)
	}
	if code != 200 {
		return fmt.Errorf("probe http://%s/healthz: status %d, want 200", addr, code)
	}
	return nil
}

// probeErrors are the errors of a health check, one per address tried.
// It prints them on one line, for Docker's health log.
type probeErrors []error

func (e probeErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

// Unwrap lets errors.Is and errors.As look at each address's error.
func (e probeErrors) Unwrap() []error { return e }
