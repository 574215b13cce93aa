// Package config reads the hello server's settings from command-line flags,
// falling back to HELLO_* environment variables, then to defaults.
//
// Every setting is defined once, in the tables of settings.go: its flag,
// environment variable, default, range and help. The flag set, the
// environment reader, the range checks, the usage text and the defaults are
// all derived from those tables. [UnknownEnv] names the HELLO_* variables
// that no setting reads, most likely misspelt ones.
//
// The package must not do I/O other than writing usage and errors to the
// writer it is given, nor know of HTTP or the server: package cli hands
// the values to package server.
package config

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/go-multistage/multistage/hello/internal/httplimit"
)

// envPrefix starts the name of every environment variable read.
const envPrefix = "HELLO_"

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

	// Limits are the timeouts and caps of the HTTP server.
	httplimit.Limits

	// AccessLog turns the per-request log line on.
	AccessLog bool
	// TrustedProxies lists the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix

	// HealthcheckTimeout bounds "hello healthcheck" from dial to verdict.
	HealthcheckTimeout time.Duration

	// ShowVersion is set by -version.
	ShowVersion bool
}

// defaults returns the settings used when nothing is configured: the
// defaults of the settings tables.
func defaults() Config {
	var c Config
	for _, cmd := range []Command{Serve, Healthcheck} {
		for _, s := range settingsOf(cmd) {
			if err := s.bind(&c).Set(s.Default); err != nil {
				panic(fmt.Sprintf("config: default %q of -%s: %v", s.Default, s.Flag, err))
			}
		}
	}
	return c
}

// Command names the subcommand that Parse found.
type Command string

// The commands of the hello binary.
const (
	Serve       Command = "serve"
	Healthcheck Command = "healthcheck"
	Version     Command = "version"
)

// ErrHelp is returned when -h or -help was asked for; usage has been
// printed and the program should exit with status 0.
var ErrHelp = flag.ErrHelp

// Parse reads args (without the program name) and the environment through
// getenv. It returns the command to run and its settings. On -h it prints
// the usage to stderr and returns [ErrHelp]; on bad input it prints the
// problem, naming the flag or variable at fault, and returns an error: the
// program should exit with status 2 (1 for [Healthcheck], whose only exit
// codes are 0 and 1). The command is returned with either error.
//
// -version wins over the environment: "hello -version" prints the version
// whatever HELLO_* variables say.
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
	cfg := defaults()
	fs := newFlagSet(cmd, &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return cmd, cfg, err // flag has printed it, and the usage
	}
	if fs.NArg() > 0 {
		return cmd, cfg, usagef(fs, "unexpected argument %q", fs.Arg(0))
	}
	if cfg.ShowVersion {
		return Version, cfg, nil
	}
	if err := applyEnv(fs, cmd, getenv); err != nil {
		return cmd, cfg, usagef(fs, "%v", err)
	}
	return cmd, cfg, nil
}

// usagef prints the error and a hint to -h, and returns the error.
func usagef(fs *flag.FlagSet, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(fs.Output(), "%s: %v\nRun '%s -h' for usage.\n", fs.Name(), err, fs.Name())
	return err
}

// newFlagSet defines the flags of cmd, bound to cfg.
func newFlagSet(cmd Command, cfg *Config, stderr io.Writer) *flag.FlagSet {
	name := "hello"
	if cmd != Serve {
		name += " " + string(cmd)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(fs.Output(), cmd) }
	for _, s := range settingsOf(cmd) {
		fs.Var(s.bind(cfg), s.Flag, s.Help)
	}
	return fs
}

// applyEnv sets each flag not given on the command line from its
// environment variable, if that is set and not empty.
func applyEnv(fs *flag.FlagSet, cmd Command, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range settingsOf(cmd) {
		if s.Env == "" || given[s.Flag] {
			continue
		}
		v := getenv(s.Env)
		if v == "" {
			continue
		}
		if err := fs.Set(s.Flag, v); err != nil {
			return fmt.Errorf("invalid value %q for %s: %v", v, s.Env, err)
		}
	}
	return nil
}

// printUsage lists every setting of cmd with its environment variable,
// default and range.
func printUsage(w io.Writer, cmd Command) {
	switch cmd {
	case Serve:
		fmt.Fprint(w, "Usage:\n"+
			"  hello [flags]                serve HTTP\n"+
			"  hello healthcheck [flags]    probe a running server; exit 0 if GET /healthz answers 200\n"+
			"  hello version                print build information\n\n"+
			"Every flag but -version can be set by the environment variable shown; a flag wins.\n\n")
	case Healthcheck:
		fmt.Fprint(w, "Usage:\n  hello healthcheck [flags]\n\n"+
			"Sends GET /healthz to the server and exits 0 if it answers 200, else 1:\n"+
			"bad flags and -h exit 1 too (Docker reserves 2).\n\n")
	case Version:
		fmt.Fprint(w, "Usage:\n  hello version\n\nPrints build information.\n")
		return
	}
	for _, s := range settingsOf(cmd) {
		fmt.Fprintf(w, "  -%s\n    \t%s\n", strings.TrimSpace(s.Flag+" "+s.Arg), s.Help)
		if s.Env != "" {
			fmt.Fprintf(w, "    \tenv %s, default %s, %s\n", s.Env, s.defaultText(), s.Range())
		}
	}
}

// parsePrefixes parses a comma-separated list of CIDR prefixes ("10.0.0.0/8")
// and single addresses ("192.0.2.1", taken as /32 or /128). Blank items are
// ignored. Prefixes are masked to their network address.
func parsePrefixes(s string) ([]netip.Prefix, error) {
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
	if len(out) > maxTrustedProxies {
		return nil, fmt.Errorf("%d proxies: at most %d", len(out), maxTrustedProxies)
	}
	return out, nil
}

// maxTrustedProxies bounds the list of trusted proxies.
const maxTrustedProxies = 256
