package config

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env returns a getenv backed by a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParse(t *testing.T) {
	def := defaults()
	with := func(f func(*Config)) Config {
		c := defaults()
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantCmd Command
		want    Config
	}{
		{"defaults", nil, nil, Serve, def},
		{"flags", []string{
			"-addr", "127.0.0.1:9000", "-grace-period", "3s", "-shutdown-delay", "1s",
			"-read-header-timeout", "1s", "-read-timeout", "2s", "-write-timeout", "4s",
			"-idle-timeout", "5s", "-max-header-bytes", "4096", "-access-log=false",
			"-trusted-proxies", "10.0.0.0/8, 192.0.2.1", "-max-connections", "200",
		}, nil, Serve, with(func(c *Config) {
			c.MaxConnections = 200
			c.Addr = "127.0.0.1:9000"
			c.GracePeriod, c.ShutdownDelay = 3*time.Second, time.Second
			c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = time.Second, 2*time.Second, 4*time.Second, 5*time.Second
			c.MaxHeaderBytes, c.AccessLog = 4096, false
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
		})},
		{"environment", nil, map[string]string{
			"HELLO_ADDR": ":80", "HELLO_GRACE_PERIOD": "20s", "HELLO_SHUTDOWN_DELAY": "5s",
			"HELLO_READ_HEADER_TIMEOUT": "2s", "HELLO_READ_TIMEOUT": "3s", "HELLO_WRITE_TIMEOUT": "6s",
			"HELLO_IDLE_TIMEOUT": "7s", "HELLO_MAX_HEADER_BYTES": "2048", "HELLO_ACCESS_LOG": "false",
			"HELLO_TRUSTED_PROXIES": "2001:db8::/32", "HELLO_MAX_CONNECTIONS": "5",
		}, Serve, with(func(c *Config) {
			c.MaxConnections = 5
			c.Addr = ":80"
			c.GracePeriod, c.ShutdownDelay = 20*time.Second, 5*time.Second
			c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = 2*time.Second, 3*time.Second, 6*time.Second, 7*time.Second
			c.MaxHeaderBytes, c.AccessLog = 2048, false
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}
		})},
		{"flag wins over environment", []string{"-addr", ":9000", "-access-log=true"},
			map[string]string{"HELLO_ADDR": ":80", "HELLO_ACCESS_LOG": "false", "HELLO_IDLE_TIMEOUT": "9s"},
			Serve, with(func(c *Config) { c.Addr, c.IdleTimeout = ":9000", 9*time.Second })},
		{"flag wins over an invalid environment value", []string{"-addr", ":9000"},
			map[string]string{"HELLO_ADDR": "not an address"}, Serve, with(func(c *Config) { c.Addr = ":9000" })},
		{"empty environment variable is unset", nil, map[string]string{"HELLO_ADDR": ""}, Serve, def},
		{"port 0", []string{"-addr", "127.0.0.1:0"}, nil, Serve, with(func(c *Config) { c.Addr = "127.0.0.1:0" })},
		{"IPv6 address", []string{"-addr", "[::1]:8080"}, nil, Serve, with(func(c *Config) { c.Addr = "[::1]:8080" })},
		{"-version", []string{"-version"}, nil, Version, with(func(c *Config) { c.ShowVersion = true })},
		{"-version wins over a bad environment", []string{"-version"},
			map[string]string{"HELLO_ADDR": "bad", "HELLO_GRACE_PERIOD": "forever"}, Version,
			with(func(c *Config) { c.ShowVersion = true })},
		{"bounds: the largest values", []string{"-grace-period", "1h", "-shutdown-delay", "1h", "-idle-timeout", "24h",
			"-max-connections", "1048576", "-max-header-bytes", "1048576"}, nil, Serve, with(func(c *Config) {
			c.GracePeriod, c.ShutdownDelay, c.IdleTimeout = time.Hour, time.Hour, 24*time.Hour
			c.MaxConnections, c.MaxHeaderBytes = 1<<20, 1<<20
		})},
		{"bounds: the smallest values", []string{"-grace-period", "1ms", "-shutdown-delay", "0s", "-read-timeout", "1ms",
			"-max-connections", "1", "-max-header-bytes", "1024"}, nil, Serve, with(func(c *Config) {
			c.GracePeriod, c.ShutdownDelay, c.ReadTimeout = time.Millisecond, 0, time.Millisecond
			c.MaxConnections, c.MaxHeaderBytes = 1, 1024
		})},
		{"version", []string{"version"}, nil, Version, def},
		{"healthcheck", []string{"healthcheck"}, map[string]string{"HELLO_ADDR": ":80"}, Healthcheck,
			with(func(c *Config) { c.Addr = ":80" })},
		{"healthcheck flags", []string{"healthcheck", "-addr", ":81", "-timeout", "1s"},
			map[string]string{"HELLO_ADDR": ":80", "HELLO_HEALTHCHECK_TIMEOUT": "5s"}, Healthcheck,
			with(func(c *Config) { c.Addr, c.HealthcheckTimeout = ":81", time.Second })},
		{"healthcheck timeout from environment", []string{"healthcheck"},
			map[string]string{"HELLO_HEALTHCHECK_TIMEOUT": "5s"}, Healthcheck,
			with(func(c *Config) { c.HealthcheckTimeout = 5 * time.Second })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			cmd, got, err := Parse(tt.args, env(tt.env), &stderr)
			if err != nil {
				t.Fatalf("Parse() error: %v (stderr %q)", err, stderr.String())
			}
			if cmd != tt.wantCmd {
				t.Errorf("command = %q, want %q", cmd, tt.wantCmd)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config =\n%+v\nwant\n%+v", got, tt.want)
			}
			if stderr.Len() > 0 {
				t.Errorf("unexpected stderr: %q", stderr.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantMsg string // in the error and on stderr
	}{
		{"unknown flag", []string{"-bogus"}, nil, "-bogus"},
		{"bad duration flag", []string{"-read-timeout", "soon"}, nil, "-read-timeout"},
		{"bad duration env", nil, map[string]string{"HELLO_READ_TIMEOUT": "soon"}, "HELLO_READ_TIMEOUT"},
		{"bad bool env", nil, map[string]string{"HELLO_ACCESS_LOG": "maybe"}, "HELLO_ACCESS_LOG"},
		{"bad int env", nil, map[string]string{"HELLO_MAX_HEADER_BYTES": "lots"}, "HELLO_MAX_HEADER_BYTES"},
		{"zero timeout", []string{"-write-timeout", "0s"}, nil, "-write-timeout: 0s is out of range: from 1ms to 24h"},
		{"1ns timeout", []string{"-read-header-timeout", "1ns"}, nil, "-read-header-timeout: 1ns is out of range"},
		{"timeout over a day", nil, map[string]string{"HELLO_IDLE_TIMEOUT": "25h"}, "HELLO_IDLE_TIMEOUT: 25h is out of range"},
		{"290 years of shutdown delay", []string{"-shutdown-delay", "2540400h"}, nil, "-shutdown-delay: 2540400h is out of range: from 0s to 1h"},
		{"grace period over an hour", nil, map[string]string{"HELLO_GRACE_PERIOD": "61m"}, "HELLO_GRACE_PERIOD"},
		{"no connections", []string{"-max-connections", "0"}, nil, "-max-connections: 0 is out of range: from 1 to 1048576"},
		{"too many connections", nil, map[string]string{"HELLO_MAX_CONNECTIONS": "2000000"}, "HELLO_MAX_CONNECTIONS"},
		{"too many proxies", []string{"-trusted-proxies", strings.Repeat("10.0.0.1,", 257)}, nil, "at most 256"},
		{"healthcheck port 0", []string{"healthcheck", "-addr", "127.0.0.1:0"}, nil, "port must be a number from 1 to 65535"},
		{"healthcheck timeout over an hour", []string{"healthcheck", "-timeout", "2h"}, nil, "-timeout: 2h is out of range"},
		{"negative env timeout", nil, map[string]string{"HELLO_IDLE_TIMEOUT": "-1s"}, "HELLO_IDLE_TIMEOUT"},
		{"zero grace period", []string{"-grace-period", "0"}, nil, "-grace-period"},
		{"negative shutdown delay", []string{"-shutdown-delay", "-1s"}, nil, "-shutdown-delay"},
		{"header limit too small", []string{"-max-header-bytes", "10"}, nil, "-max-header-bytes"},
		{"header limit too large", []string{"-max-header-bytes", "2000000"}, nil, "-max-header-bytes"},
		{"address without port", []string{"-addr", "localhost"}, nil, "host:port"},
		{"address with bad port", []string{"-addr", ":http"}, nil, "port must be a number"},
		{"address with port too big", nil, map[string]string{"HELLO_ADDR": ":65536"}, "HELLO_ADDR"},
		{"bad CIDR", []string{"-trusted-proxies", "10.0.0.0/33"}, nil, "bad CIDR"},
		{"bad proxy env", nil, map[string]string{"HELLO_TRUSTED_PROXIES": "proxy.local"}, "HELLO_TRUSTED_PROXIES"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"healthcheck zero timeout", []string{"healthcheck", "-timeout", "0s"}, nil, "-timeout"},
		{"healthcheck bad address", []string{"healthcheck"}, map[string]string{"HELLO_ADDR": "nope"}, "host:port"},
		{"serve flag on healthcheck", []string{"healthcheck", "-access-log"}, nil, "-access-log"},
		{"version with arguments", []string{"version", "now"}, nil, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			_, _, err := Parse(tt.args, env(tt.env), &stderr)
			if err == nil || errors.Is(err, ErrHelp) {
				t.Fatalf("Parse() error = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if !strings.Contains(stderr.String(), tt.wantMsg) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.wantMsg)
			}
		})
	}
}

// TestAddressWhiteSpace: an address with white space around it is a
// usage error naming the flag or variable, for serve and healthcheck;
// white space is not trimmed away.
func TestAddressWhiteSpace(t *testing.T) {
	const msg = "leading or trailing white space"
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error, beside msg
	}{
		{"leading space, flag", []string{"-addr", " :8080"}, nil, "-addr"},
		{"trailing space, flag", []string{"-addr", ":8080 "}, nil, "-addr"},
		{"trailing newline, flag", []string{"-addr=127.0.0.1:8080\n"}, nil, "-addr"},
		{"tab, flag", []string{"-addr", "\t[::]:8080"}, nil, "-addr"},
		{"leading space, environment", nil, map[string]string{"HELLO_ADDR": " :8080"}, "HELLO_ADDR"},
		{"trailing CR, environment", nil, map[string]string{"HELLO_ADDR": ":8080\r"}, "HELLO_ADDR"},
		{"only spaces, environment", nil, map[string]string{"HELLO_ADDR": "  "}, "HELLO_ADDR"},
		{"no-break space, environment", nil, map[string]string{"HELLO_ADDR": ":8080\u00a0"}, "HELLO_ADDR"},
		{"healthcheck flag", []string{"healthcheck", "-addr", "localhost:8080 "}, nil, "-addr"},
		{"healthcheck environment", []string{"healthcheck"}, map[string]string{"HELLO_ADDR": " :8080"}, "HELLO_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			_, cfg, err := Parse(tt.args, env(tt.env), &stderr)
			if err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse() = %q, %v; want an error naming %s and saying %q", cfg.Addr, err, tt.want, msg)
			}
			if !strings.Contains(stderr.String(), tt.want) || !strings.Contains(stderr.String(), msg) {
				t.Errorf("stderr %q does not name %s and say %q", stderr.String(), tt.want, msg)
			}
		})
	}
}

func TestHelpListsEveryFlagWithEnvAndDefault(t *testing.T) {
	var stderr strings.Builder
	_, _, err := Parse([]string{"-h"}, env(nil), &stderr)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("Parse(-h) error = %v, want ErrHelp", err)
	}
	out := stderr.String()
	for _, want := range []string{
		"-addr address", `env HELLO_ADDR, default ":8080", host:port, port from 0 to 65535`,
		"env HELLO_GRACE_PERIOD, default 10s", "env HELLO_SHUTDOWN_DELAY, default 0s",
		"env HELLO_READ_HEADER_TIMEOUT, default 5s", "env HELLO_READ_TIMEOUT, default 15s",
		"env HELLO_WRITE_TIMEOUT, default 30s", "env HELLO_IDLE_TIMEOUT, default 1m",
		"env HELLO_MAX_HEADER_BYTES, default 16384", "env HELLO_ACCESS_LOG, default true",
		"env HELLO_TRUSTED_PROXIES, default none", "-version", "hello healthcheck",
		"env HELLO_MAX_CONNECTIONS, default 128, from 1 to 1048576",
		"env HELLO_SHUTDOWN_DELAY, default 0s, from 0s to 1h",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}

	stderr.Reset()
	if _, _, err := Parse([]string{"healthcheck", "-help"}, env(nil), &stderr); !errors.Is(err, ErrHelp) {
		t.Fatalf("Parse(healthcheck -help) error = %v, want ErrHelp", err)
	}
	for _, want := range []string{"env HELLO_ADDR", "env HELLO_HEALTHCHECK_TIMEOUT, default 2s"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("healthcheck usage lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: "10.1.2.3/8", want: []string{"10.0.0.0/8"}},
		{in: "192.0.2.1,2001:db8::1", want: []string{"192.0.2.1/32", "2001:db8::1/128"}},
		{in: " 172.16.0.0/12 ,fd00::/8 ", want: []string{"172.16.0.0/12", "fd00::/8"}},
		{in: "10.0.0.0/33", wantErr: true},
		{in: "10.0.0/8", wantErr: true},
		{in: "example.com", wantErr: true},
		{in: "fe80::1%eth0", wantErr: true},
		{in: "10.0.0.1,bogus", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePrefixes(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parsePrefixes(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			var gotS []string
			for _, p := range got {
				gotS = append(gotS, p.String())
			}
			if !reflect.DeepEqual(gotS, tt.want) {
				t.Errorf("parsePrefixes(%q) = %v, want %v", tt.in, gotS, tt.want)
			}
		})
	}
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"", "10.0.0.0/8", "192.0.2.1, 2001:db8::/32", "a/b", "1.2.3.4/99", ",,", "::ffff:1.2.3.4/120"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range got {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("parsePrefixes(%q) returned %v, not a valid masked prefix", s, p)
			}
			// Round trip: the canonical form parses back to itself.
			again, err := parsePrefixes(p.String())
			if err != nil || len(again) != 1 || again[0] != p {
				t.Fatalf("prefix %v from %q does not round-trip: %v, %v", p, s, again, err)
			}
		}
	})
}
