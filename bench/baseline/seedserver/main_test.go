package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest(http.MethodGet, "/anything", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "Hello from Multi-Stage Build!" {
		t.Errorf("handler = %d %q", rec.Code, rec.Body.String())
	}
}

// TestServesOnFlagPort builds the server, runs it on a free port and asks
// for the greeting.
func TestServesOnFlagPort(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "seedserver")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-port", strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/"
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "Hello from Multi-Stage Build!" {
				t.Errorf("GET / = %q", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer on port %d: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
