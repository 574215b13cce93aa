package main

import (
	"bufio"
	"errors"
	"go/format"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const greeting = "Hello from Multi-Stage Build!"

func TestHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest(http.MethodGet, "/anything", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != greeting {
		t.Errorf("handler = %d %q", rec.Code, rec.Body.String())
	}
}

// limits are the fields of http.Server that SEED_TIMEOUTS sets.
type limits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

func limitsOf(srv *http.Server) limits {
	return limits{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes}
}

func TestNewServer(t *testing.T) {
	hellos := limits{5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 16 << 10}
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
		addr string
		want limits
	}{
		{"the seed's", nil, true, ":80", limits{}},
		{"address", map[string]string{"SEED_ADDR": "127.0.0.1:18080"}, true, "127.0.0.1:18080", limits{}},
		{"timeouts", map[string]string{"SEED_TIMEOUTS": "1"}, true, ":80", hellos},
		{"both", map[string]string{"SEED_ADDR": "[::1]:9", "SEED_TIMEOUTS": "1"}, true, "[::1]:9", hellos},
		{"timeouts=true", map[string]string{"SEED_TIMEOUTS": "true"}, false, "", limits{}},
		{"timeouts=0", map[string]string{"SEED_TIMEOUTS": "0"}, false, "", limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ok := newServer(func(k string) string { return tt.env[k] })
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if srv.Addr != tt.addr {
				t.Errorf("Addr = %q, want %q", srv.Addr, tt.addr)
			}
			if got := limitsOf(srv); got != tt.want {
				t.Errorf("timeouts and header limit %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestTimeoutsAreHellos checks SEED_TIMEOUTS=1 against the defaults in the
// settings table of hello's README, which a test of hello keeps equal to
// `hello -h`.
func TestTimeoutsAreHellos(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "hello", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(func(k string) string { return map[string]string{"SEED_TIMEOUTS": "1"}[k] })
	for flag, got := range map[string]string{
		"read-header-timeout": srv.ReadHeaderTimeout.String(),
		"read-timeout":        srv.ReadTimeout.String(),
		"write-timeout":       srv.WriteTimeout.String(),
		"idle-timeout":        srv.IdleTimeout.String(),
	} {
		d, err := time.ParseDuration(readmeDefault(t, readme, flag))
		if err != nil {
			t.Fatalf("hello/README.md: -%s: %v", flag, err)
		}
		if d.String() != got {
			t.Errorf("SEED_TIMEOUTS=1 sets %s to %s; hello's default is %s", flag, got, d)
		}
	}
	if want := readmeDefault(t, readme, "max-header-bytes"); want != "16384" || srv.MaxHeaderBytes != 16384 {
		t.Errorf("SEED_TIMEOUTS=1 sets max-header-bytes to %d; hello's default is %s", srv.MaxHeaderBytes, want)
	}
}

// readmeDefault returns the default column of flag's row in the settings
// table: | `-flag` | `HELLO_…` | `default` | range | help |.
func readmeDefault(t *testing.T, readme []byte, flag string) string {
	t.Helper()
	re := regexp.MustCompile("(?m)^\\| `-" + regexp.QuoteMeta(flag) + "` \\| [^|]* \\| `([^`]*)` \\|")
	m := re.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("hello/README.md: no settings row for -%s", flag)
	}
	return string(m[1])
}

// TestSeedSource checks the program against the seed's own text: gofmt'd,
// the seed's handler must stand here unchanged, and every line of its main
// but the ListenAndServe call, which newServer replaces with the same
// server.
func TestSeedSource(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "seeds", "000_*.txt"))
	if len(seeds) != 1 {
		t.Skip("../shared/seeds/000_*.txt is not beside the repository (it is in .ci/run, not in a bare clone)")
	}
	doc, err := os.ReadFile(seeds[0])
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatalf("%s: no Go code block", seeds[0])
	}
	seed, err := format.Source(m[1])
	if err != nil {
		t.Fatalf("%s: the seed's code does not parse: %v", seeds[0], err)
	}
	ours, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	handler := regexp.MustCompile(`(?s)func handler\(.*?\n}\n`).Find(seed)
	if handler == nil || !strings.Contains(string(ours), string(handler)) {
		t.Errorf("the seed's handler is not in main.go unchanged:\n%s", handler)
	}
	body := regexp.MustCompile(`(?s)func main\(\) \{\n(.*?)\n}\n`).FindSubmatch(seed)
	if body == nil {
		t.Fatalf("%s: no func main", seeds[0])
	}
	for _, line := range strings.Split(string(body[1]), "\n") {
		line = strings.TrimSpace(line)
		if line == `http.ListenAndServe(":80", nil)` {
			continue
		}
		if !strings.Contains(string(ours), "\t"+line+"\n") {
			t.Errorf("the seed's line %q is not in main.go", line)
		}
	}
}

// build compiles the program into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "seedserver")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestServesOnSeedAddr runs the program on a free loopback port and asks
// for the greeting over a raw connection.
func TestServesOnSeedAddr(t *testing.T) {
	bin := build(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "SEED_ADDR="+addr, "SEED_TIMEOUTS=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if want := "Server started on " + addr + "\n"; line != want || err != nil {
		t.Errorf("first line %q, %v; want %q", line, err, want)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		body, err := get(addr)
		if err == nil {
			if !strings.HasPrefix(body, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(body, "\r\n\r\n"+greeting) {
				t.Errorf("GET / answered %q", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get sends one GET / on a new connection and reads the whole answer.
func get(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: seed\r\nConnection: close\r\n\r\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestUnknownTimeouts(t *testing.T) {
	cmd := exec.Command(build(t))
	cmd.Env = append(os.Environ(), "SEED_ADDR=127.0.0.1:0", "SEED_TIMEOUTS=yes")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2", err)
	}
	if want := "seedserver: SEED_TIMEOUTS=\"yes\": want 1 (hello's timeouts) or nothing (the seed's: none)\n"; stderr.String() != want || len(out) != 0 {
		t.Errorf("stdout %q, stderr %q; want no output and %q", out, stderr.String(), want)
	}
}
