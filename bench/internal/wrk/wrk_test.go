package wrk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const sample = `Running 1s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   5.00ms   90.00%
  24000 requests in 1.00s, 3.00MB read
  Socket errors: connect 2, read 3, write 0, timeout 1
Requests/sec:  24000.00
WRK_RESULT {"requests":24000,"duration_us":1000500,"bytes":3145728,"connect":2,"read":3,"write":0,"status":4,"timeout":1,"latency_p50_us":1100,"latency_p99_us":4200}
`

func TestParse(t *testing.T) {
	got, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Requests:   24000,
		Duration:   1000500 * time.Microsecond,
		Bytes:      3145728,
		Errors:     Errors{Connect: 2, Read: 3, Status: 4, Timeout: 1},
		LatencyP50: 1100 * time.Microsecond,
		LatencyP99: 4200 * time.Microsecond,
	}
	if got != want {
		t.Errorf("Parse = %+v, want %+v", got, want)
	}
	if f := got.Errors.Failed(); f != 8 {
		t.Errorf("Failed = %d, want 8 (read 3 + status 4 + timeout 1, connect not counted)", f)
	}
	if rps := got.PerSecond(); rps < 23988 || rps > 23989 {
		t.Errorf("PerSecond = %v, want about 23988.0", rps)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"no marker", "Requests/sec: 1\n", "no"},
		{"bad json", "WRK_RESULT {\"requests\":\n", "wrk summary"},
		{"missing duration", `WRK_RESULT {"requests":1}` + "\n", "missing"},
		{"zero duration", `WRK_RESULT {"requests":1,"duration_us":0}`, "impossible"},
		{"negative requests", `WRK_RESULT {"requests":-1,"duration_us":5}`, "impossible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestPerSecondZeroDuration(t *testing.T) {
	if got := (Result{Requests: 5}).PerSecond(); got != 0 {
		t.Errorf("PerSecond with no duration = %v, want 0", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("WRK_RESULT {}"))
	f.Add([]byte("WRK_RESULT {\"requests\":1,\"duration_us\":1}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Parse(in)
		if err != nil {
			return
		}
		if r.Requests < 0 || r.Duration <= 0 {
			t.Errorf("Parse(%q) accepted impossible result %+v", in, r)
		}
	})
}

// TestMeasure runs the real wrk with the summary script against a local
// server.
func TestMeasure(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hi"))
	}))
	defer srv.Close()
	r, err := NewRunner(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Measure(context.Background(), Options{URL: srv.URL + "/", Connections: 4, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != (Errors{}) || res.Duration < time.Second {
		t.Errorf("wrk against a healthy server: %+v", res)
	}
	if _, err := r.Measure(context.Background(), Options{URL: srv.URL, Connections: 1, Duration: time.Millisecond}); err == nil {
		t.Error("a duration under one second: no error")
	}
}
