// Package config reads the hello server's settings from command-line flags,
// falling back to HELLO_* environment variables, then to defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts the name of every environment variable read.
const EnvPrefix = "HELLO_"

// Config holds the settings of "hello" (serve) and "hello healthcheck".
type Config struct {
	// Addr is the TCP listen address, host:port. Port 0 picks a free port.
	Addr string

	// GracePeriod bounds how long in-flight requests may run after a
	// shutdown signal before connections are cut.
	GracePeriod time.Duration
	// ShutdownDelay keeps the listener open after a shutdown signal, with
	// /readyz answering 503, so load balancers stop routing first.
	ShutdownDelay time.Duration

	// Timeouts and limits of the http.Server.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	// AccessLog turns the per-request log line on.
	AccessLog bool
	// TrustedProxies lists the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix

	// HealthcheckTimeout bounds "hello healthcheck" from dial to verdict.
	HealthcheckTimeout time.Duration

	// ShowVersion is set by -version.
	ShowVersion bool
}

// Default returns the settings used when nothing is configured.
func Default() Config {
	return Config{
		Addr:               ":8080",
		GracePeriod:        10 * time.Second,
		ShutdownDelay:      0,
		ReadHeaderTimeout:  5 * time.Second,
		ReadTimeout:        15 * time.Second,
		WriteTimeout:       30 * time.Second,
		IdleTimeout:        60 * time.Second,
		MaxHeaderBytes:     16 << 10,
		AccessLog:          true,
		HealthcheckTimeout: 2 * time.Second,
	}
}

// Limits on numeric settings.
const (
	MinMaxHeaderBytes = 1 << 10
	MaxMaxHeaderBytes = 1 << 20
)

// Command names the subcommand that Parse found.
type Command string

// The commands of the hello binary.
const (
	Serve       Command = "serve"
	Healthcheck Command = "healthcheck"
	Version     Command = "version"
)

// UsageError reports bad flags, environment variables or arguments.
// The program should exit with status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ErrHelp is returned when -h or -help was asked for; usage has been
// printed and the program should exit with status 0.
var ErrHelp = flag.ErrHelp

// Parse reads args (without the program name) and the environment through
// getenv. It returns the command to run and its settings. On -h it prints
// the usage to stderr and returns [ErrHelp]; on bad input it prints the
// problem and returns a [*UsageError] naming the flag or variable at fault.
func Parse(args []string, getenv func(string) string, stderr io.Writer) (Command, Config, error) {
	cmd := Serve
	if len(args) > 0 {
		switch args[0] {
		case string(Healthcheck):
			cmd, args = Healthcheck, args[1:]
		case string(Version):
			cmd, args = Version, args[1:]
		}
	}
	cfg := Default()
	fs := newFlagSet(cmd, &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cmd, cfg, ErrHelp
		}
		return cmd, cfg, &UsageError{err} // flag has printed it, and the usage
	}
	if fs.NArg() > 0 {
		return cmd, cfg, usagef(fs, "unexpected argument %q", fs.Arg(0))
	}
	if err := applyEnv(fs, getenv); err != nil {
		return cmd, cfg, usagef(fs, "%v", err)
	}
	if err := cfg.validate(cmd); err != nil {
		return cmd, cfg, usagef(fs, "%v", err)
	}
	if cfg.ShowVersion {
		cmd = Version
	}
	return cmd, cfg, nil
}

// usagef prints the error and a hint to -h, and returns the error.
func usagef(fs *flag.FlagSet, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(fs.Output(), "%s: %v\nRun '%s -h' for usage.\n", fs.Name(), err, fs.Name())
	return &UsageError{err}
}

// Flag names, shared by the flag set, the environment and the messages.
const (
	flagAddr               = "addr"
	flagGracePeriod        = "grace-period"
	flagShutdownDelay      = "shutdown-delay"
	flagReadHeaderTimeout  = "read-header-timeout"
	flagReadTimeout        = "read-timeout"
	flagWriteTimeout       = "write-timeout"
	flagIdleTimeout        = "idle-timeout"
	flagMaxHeaderBytes     = "max-header-bytes"
	flagAccessLog          = "access-log"
	flagTrustedProxies     = "trusted-proxies"
	flagVersion            = "version"
	flagHealthcheckTimeout = "timeout" // of "hello healthcheck"
)

// envNames maps each flag to its environment variable. -version has none.
var envNames = map[string]string{
	flagAddr:               EnvPrefix + "ADDR",
	flagGracePeriod:        EnvPrefix + "GRACE_PERIOD",
	flagShutdownDelay:      EnvPrefix + "SHUTDOWN_DELAY",
	flagReadHeaderTimeout:  EnvPrefix + "READ_HEADER_TIMEOUT",
	flagReadTimeout:        EnvPrefix + "READ_TIMEOUT",
	flagWriteTimeout:       EnvPrefix + "WRITE_TIMEOUT",
	flagIdleTimeout:        EnvPrefix + "IDLE_TIMEOUT",
	flagMaxHeaderBytes:     EnvPrefix + "MAX_HEADER_BYTES",
	flagAccessLog:          EnvPrefix + "ACCESS_LOG",
	flagTrustedProxies:     EnvPrefix + "TRUSTED_PROXIES",
	flagHealthcheckTimeout: EnvPrefix + "HEALTHCHECK_TIMEOUT",
}

// setting names a flag and its environment variable, for messages.
func setting(flagName string) string {
	return "-" + flagName + " (" + envNames[flagName] + ")"
}

// newFlagSet defines the flags of cmd, bound to cfg.
func newFlagSet(cmd Command, cfg *Config, stderr io.Writer) *flag.FlagSet {
	name := "hello"
	if cmd != Serve {
		name += " " + string(cmd)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(fs, cmd) }

	switch cmd {
	case Serve:
		fs.StringVar(&cfg.Addr, flagAddr, cfg.Addr, "listen address, host:port (port 0: any free port)")
		fs.DurationVar(&cfg.GracePeriod, flagGracePeriod, cfg.GracePeriod, "time in-flight requests get to finish after SIGTERM or SIGINT")
		fs.DurationVar(&cfg.ShutdownDelay, flagShutdownDelay, cfg.ShutdownDelay, "time to go on accepting requests after SIGTERM or SIGINT, with /readyz answering 503")
		fs.DurationVar(&cfg.ReadHeaderTimeout, flagReadHeaderTimeout, cfg.ReadHeaderTimeout, "time allowed to read a request's headers")
		fs.DurationVar(&cfg.ReadTimeout, flagReadTimeout, cfg.ReadTimeout, "time allowed to read a whole request")
		fs.DurationVar(&cfg.WriteTimeout, flagWriteTimeout, cfg.WriteTimeout, "time allowed from the end of a request's headers to the end of its response")
		fs.DurationVar(&cfg.IdleTimeout, flagIdleTimeout, cfg.IdleTimeout, "time a keep-alive connection may wait for its next request")
		fs.IntVar(&cfg.MaxHeaderBytes, flagMaxHeaderBytes, cfg.MaxHeaderBytes, "largest request header section accepted, in `bytes` (larger: 431)")
		fs.BoolVar(&cfg.AccessLog, flagAccessLog, cfg.AccessLog, "write one JSON line per request to stdout")
		fs.Func(flagTrustedProxies, "comma-separated `CIDRs` or IPs of proxies whose X-Forwarded-For is trusted",
			func(s string) (err error) {
				cfg.TrustedProxies, err = ParsePrefixes(s)
				return err
			})
		fs.BoolVar(&cfg.ShowVersion, flagVersion, false, "print build information and exit")
	case Healthcheck:
		fs.StringVar(&cfg.Addr, flagAddr, cfg.Addr, "the server's listen address; GET /healthz is sent to it (an unspecified host means loopback)")
		fs.DurationVar(&cfg.HealthcheckTimeout, flagHealthcheckTimeout, cfg.HealthcheckTimeout, "time allowed for the whole probe")
	}
	return fs
}

// applyEnv sets each flag not given on the command line from its
// environment variable, if that is set and not empty.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := envNames[f.Name]
		if err != nil || given[f.Name] || env == "" {
			return
		}
		v := getenv(env)
		if v == "" {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("invalid value %q for %s: %v", v, env, serr)
		}
	})
	return err
}

// printUsage lists every flag with its environment variable and default.
func printUsage(fs *flag.FlagSet, cmd Command) {
	w := fs.Output()
	switch cmd {
	case Serve:
		fmt.Fprint(w, "Usage:\n"+
			"  hello [flags]                serve HTTP\n"+
			"  hello healthcheck [flags]    probe a running server; exit 0 if GET /healthz answers 200\n"+
			"  hello version                print build information\n\n"+
			"Every flag but -version can be set by the environment variable shown; a flag wins.\n\n")
	case Healthcheck:
		fmt.Fprint(w, "Usage:\n  hello healthcheck [flags]\n\n"+
			"Sends GET /healthz to the server and exits 0 if it answers 200, else 1.\n\n")
	case Version:
		fmt.Fprint(w, "Usage:\n  hello version\n\nPrints build information.\n")
		return
	}
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  -%s\n    \t%s\n", strings.TrimSpace(f.Name+" "+typ), usage)
		env := envNames[f.Name]
		if env == "" {
			return
		}
		def := f.DefValue
		switch {
		case def == "":
			def = "none"
		case typ == "string":
			def = strconv.Quote(def)
		}
		fmt.Fprintf(w, "    \tenv %s, default %s\n", env, def)
	})
}

// ParsePrefixes parses a comma-separated list of CIDR prefixes ("10.0.0.0/8")
// and single addresses ("192.0.2.1", taken as /32 or /128). Blank items are
// ignored. Prefixes are masked to their network address.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("bad CIDR %q: want an address/bits prefix like 10.0.0.0/8", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("bad proxy address %q: want an IP or a CIDR", item)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// validate checks the settings that cmd uses.
func (c *Config) validate(cmd Command) error {
	if cmd == Version {
		return nil
	}
	if err := checkAddr(c.Addr); err != nil {
		return err
	}
	if cmd == Healthcheck {
		return positive(flagHealthcheckTimeout, c.HealthcheckTimeout)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{flagGracePeriod, c.GracePeriod},
		{flagReadHeaderTimeout, c.ReadHeaderTimeout},
		{flagReadTimeout, c.ReadTimeout},
		{flagWriteTimeout, c.WriteTimeout},
		{flagIdleTimeout, c.IdleTimeout},
	} {
		if err := positive(d.name, d.v); err != nil {
			return err
		}
	}
	if c.ShutdownDelay < 0 {
		return fmt.Errorf("%s must not be negative, got %v", setting(flagShutdownDelay), c.ShutdownDelay)
	}
	if c.MaxHeaderBytes < MinMaxHeaderBytes || c.MaxHeaderBytes > MaxMaxHeaderBytes {
		return fmt.Errorf("%s must be between %d and %d, got %d",
			setting(flagMaxHeaderBytes), MinMaxHeaderBytes, MaxMaxHeaderBytes, c.MaxHeaderBytes)
	}
	return nil
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s must be positive, got %v", setting(name), d)
	}
	return nil
}

// checkAddr accepts host:port with a numeric port from 0 to 65535.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad %s %q: want host:port, like :8080 or 127.0.0.1:8080", setting(flagAddr), addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("bad %s %q: port must be a number from 0 to 65535", setting(flagAddr), addr)
	}
	return nil
}
