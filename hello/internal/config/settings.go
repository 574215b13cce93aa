package config

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// A setting is one configurable value of a command. Each is defined once,
// in [serveSettings] or [healthcheckSettings]; everything else (flags,
// environment, range checks, usage, defaults, the README's table, checked
// by a test) is derived from it.
type setting struct {
	Flag    string // flag name, without the dash
	Env     string // environment variable; empty: none
	Arg     string // the value's name in usage ("duration"); empty for a switch
	Default string // as it would be typed
	Help    string
	// bind returns the setting's value bound to its field of c: a
	// flag.Value whose Set parses and checks the range.
	bind func(c *Config) value
}

// value is a flag.Value that knows its range.
type value interface {
	flag.Value
	// Range describes the accepted values, for usage and errors.
	Range() string
}

// defaultText is the default as usage shows it: quoted if it is text,
// "none" if empty.
func (s setting) defaultText() string {
	switch {
	case s.Default == "":
		return "none"
	case s.Arg == "address":
		return strconv.Quote(s.Default)
	}
	return s.Default
}

// Range describes the values the setting accepts.
func (s setting) Range() string { return s.bind(&Config{}).Range() }

// defaultAddr is where hello listens, and so where "hello healthcheck"
// probes, unless told otherwise.
const defaultAddr = ":8080"

// Bounds of the settings.
const (
	minTimeout  = time.Millisecond
	maxTimeout  = 24 * time.Hour
	maxShutdown = time.Hour // grace period and shutdown delay

	minMaxHeaderBytes = 1 << 10
	maxMaxHeaderBytes = 1 << 20

	// defaultMaxConnections suits a container with a 64 MiB memory limit
	// with 25 % to spare in the worst case: every connection holding the
	// largest unfinished header section the default -max-header-bytes
	// allows, in many short lines, built with the oldest Go go.mod allows
	// (bench/reports/hello/REPORT.md, section 3b, measures it in a cgroup).
	defaultMaxConnections = 128
	maxMaxConnections     = 1 << 20
)

// serveSettings are the settings of "hello" (serve), in usage order.
var serveSettings = []setting{
	{Flag: "addr", Env: envPrefix + "ADDR", Arg: "address", Default: defaultAddr,
		Help: "listen address, host:port (port 0: any free port)",
		bind: func(c *Config) value { return &addrValue{p: &c.Addr, minPort: 0} }},
	{Flag: "grace-period", Env: envPrefix + "GRACE_PERIOD", Arg: "duration", Default: "10s",
		Help: "time requests begun before shutdown get to finish, once the listener has closed",
		bind: durations(func(c *Config) *time.Duration { return &c.GracePeriod }, minTimeout, maxShutdown)},
	{Flag: "shutdown-delay", Env: envPrefix + "SHUTDOWN_DELAY", Arg: "duration", Default: "0s",
		Help: "time to go on accepting requests after SIGTERM or SIGINT, with /readyz answering 503",
		bind: durations(func(c *Config) *time.Duration { return &c.ShutdownDelay }, 0, maxShutdown)},
	{Flag: "read-header-timeout", Env: envPrefix + "READ_HEADER_TIMEOUT", Arg: "duration", Default: "5s",
		Help: "time allowed to read a request's headers",
		bind: durations(func(c *Config) *time.Duration { return &c.ReadHeaderTimeout }, minTimeout, maxTimeout)},
	{Flag: "read-timeout", Env: envPrefix + "READ_TIMEOUT", Arg: "duration", Default: "15s",
		Help: "time allowed to read a whole request",
		bind: durations(func(c *Config) *time.Duration { return &c.ReadTimeout }, minTimeout, maxTimeout)},
	{Flag: "write-timeout", Env: envPrefix + "WRITE_TIMEOUT", Arg: "duration", Default: "30s",
		Help: "time allowed from the end of a request's headers to the end of its response",
		bind: durations(func(c *Config) *time.Duration { return &c.WriteTimeout }, minTimeout, maxTimeout)},
	{Flag: "idle-timeout", Env: envPrefix + "IDLE_TIMEOUT", Arg: "duration", Default: "1m",
		Help: "time a keep-alive connection may wait for its next request",
		bind: durations(func(c *Config) *time.Duration { return &c.IdleTimeout }, minTimeout, maxTimeout)},
	{Flag: "max-header-bytes", Env: envPrefix + "MAX_HEADER_BYTES", Arg: "bytes", Default: "16384",
		Help: "largest request header section accepted (larger: 431)",
		bind: ints(func(c *Config) *int { return &c.MaxHeaderBytes }, minMaxHeaderBytes, maxMaxHeaderBytes)},
	{Flag: "max-connections", Env: envPrefix + "MAX_CONNECTIONS", Arg: "n", Default: strconv.Itoa(defaultMaxConnections),
		Help: "most client connections open at once (at most the file descriptor limit minus 32); at the cap the longest-silent one, else the longest-stuck one, is closed, or new ones wait",
		bind: ints(func(c *Config) *int { return &c.MaxConnections }, 1, maxMaxConnections)},
	{Flag: "access-log", Env: envPrefix + "ACCESS_LOG", Default: "true",
		Help: "write one JSON line per request to stdout",
		bind: func(c *Config) value { return (*boolValue)(&c.AccessLog) }},
	{Flag: "trusted-proxies", Env: envPrefix + "TRUSTED_PROXIES", Arg: "CIDRs", Default: "",
		Help: "comma-separated CIDRs or IPs of proxies whose X-Forwarded-For is trusted",
		bind: func(c *Config) value { return (*prefixesValue)(c) }},
	{Flag: "version", Default: "false",
		Help: "print build information and exit",
		bind: func(c *Config) value { return (*boolValue)(&c.ShowVersion) }},
}

// healthcheckSettings are the settings of "hello healthcheck".
var healthcheckSettings = []setting{
	{Flag: "addr", Env: envPrefix + "ADDR", Arg: "address", Default: defaultAddr,
		Help: "the server's listen address; GET /healthz is sent to it (a wildcard host means 127.0.0.1 and [::1])",
		bind: func(c *Config) value { return &addrValue{p: &c.Addr, minPort: 1} }},
	{Flag: "timeout", Env: envPrefix + "HEALTHCHECK_TIMEOUT", Arg: "duration", Default: "2s",
		Help: "time allowed for the whole probe",
		bind: durations(func(c *Config) *time.Duration { return &c.HealthcheckTimeout }, minTimeout, maxShutdown)},
}

// settingsOf returns the settings of cmd.
func settingsOf(cmd Command) []setting {
	switch cmd {
	case Serve:
		return serveSettings
	case Healthcheck:
		return healthcheckSettings
	}
	return nil
}

// rangeValue is a number from min to max: a duration or an int.
type rangeValue[T int | time.Duration] struct {
	p        *T
	min, max T
	parse    func(string) (T, error)
	format   func(T) string
}

func durations(field func(*Config) *time.Duration, lo, hi time.Duration) func(*Config) value {
	return func(c *Config) value {
		return &rangeValue[time.Duration]{p: field(c), min: lo, max: hi, parse: parseDuration, format: short}
	}
}

func ints(field func(*Config) *int, lo, hi int) func(*Config) value {
	return func(c *Config) value {
		return &rangeValue[int]{p: field(c), min: lo, max: hi, parse: parseInt, format: strconv.Itoa}
	}
}

func (v *rangeValue[T]) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return v.format(*v.p)
}

func (v *rangeValue[T]) Set(s string) error {
	n, err := v.parse(s)
	if err != nil {
		return err
	}
	if n < v.min || n > v.max {
		return fmt.Errorf("%s is out of range: %s", v.format(n), v.Range())
	}
	*v.p = n
	return nil
}

func (v *rangeValue[T]) Range() string { return "from " + v.format(v.min) + " to " + v.format(v.max) }

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("not a duration (use 500ms, 10s, 1m30s)")
	}
	return d, nil
}

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("not a whole number")
	}
	return n, nil
}

// short formats d without zero minutes and seconds: 1h, 24h, 1m30s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// boolValue is a switch: -flag, -flag=true, -flag=false.
type boolValue bool

func (v *boolValue) String() string { return strconv.FormatBool(v != nil && bool(*v)) }

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("not true or false")
	}
	*v = boolValue(b)
	return nil
}

func (v *boolValue) Range() string    { return "true or false" }
func (v *boolValue) IsBoolFlag() bool { return true }

// addrValue is host:port with a numeric port from minPort to 65535, with
// no white space around it (" :8080" would reach the resolver as the host
// " ", ":8080 " would be a bad port).
type addrValue struct {
	p       *string
	minPort uint64
}

func (v *addrValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v *addrValue) Set(s string) error {
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("leading or trailing white space; want host:port alone, like :8080")
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want host:port, like :8080 or 127.0.0.1:8080")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n < v.minPort {
		return fmt.Errorf("port must be a number %s", strings.TrimPrefix(v.Range(), "host:port, port "))
	}
	*v.p = s
	return nil
}

func (v *addrValue) Range() string { return fmt.Sprintf("host:port, port from %d to 65535", v.minPort) }

// prefixesValue is the list of trusted proxies.
type prefixesValue Config

func (v *prefixesValue) String() string {
	if v == nil {
		return ""
	}
	var s []string
	for _, p := range v.TrustedProxies {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}

func (v *prefixesValue) Set(s string) error {
	p, err := parsePrefixes(s)
	if err != nil {
		return err
	}
	v.TrustedProxies = p
	return nil
}

func (v *prefixesValue) Range() string {
	return fmt.Sprintf("up to %d CIDRs or IPs", maxTrustedProxies)
}
