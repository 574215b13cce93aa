package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func run(t *testing.T, url string, d time.Duration) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	r, err := Run(ctx, Options{URL: url, Connections: 4, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCounts runs the generator against servers that answer, close the
// connection after each answer, answer 500, or read each request and close
// the connection without a byte of answer, and checks how it counts their
// requests.
func TestCounts(t *testing.T) {
	tests := []struct {
		name    string // what the server does
		handler http.HandlerFunc
		d       time.Duration // how long the load goes on
		ok      func(Result) bool
		want    string // what ok wants, in words
	}{
		{"answers", func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("hi"))
		}, 200 * time.Millisecond, func(r Result) bool {
			return r.Answered > 0 && r.Failed() == 0 && r.Refused == 0
		}, "answers only"},
		{"closes after each answer", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		}, 200 * time.Millisecond, func(r Result) bool {
			return r.Answered > 0 && r.Failed() == 0
		}, "answers and no failures"},
		{"answers 500", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusInternalServerError)
		}, 100 * time.Millisecond, func(r Result) bool {
			return r.Broken > 0 && r.Answered == 0
		}, "only broken requests"},
		{"drops each request", func(w http.ResponseWriter, _ *http.Request) {
			// The request is read; the connection closes unanswered.
			c, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			c.Close()
		}, 100 * time.Millisecond, func(r Result) bool {
			return r.NoAnswer > 0 && r.Answered == 0
		}, "only unanswered requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			start := time.Now()
			r := run(t, srv.URL+"/", tt.d)
			if !tt.ok(r) {
				t.Errorf("against a server that %s: %+v, want %s", tt.name, r, tt.want)
			}
			if r.Answered > 0 && (r.LastAnswer.Before(start) || r.LastAnswer.After(time.Now())) {
				t.Errorf("LastAnswer %v outside the run", r.LastAnswer)
			}
		})
	}
}

// TestRefusedAfterClose checks that dials to a closed port are counted as
// refused, not failed.
func TestRefusedAfterClose(t *testing.T) {
	l := listen(t)
	addr := l.Addr().String()
	l.Close()
	r := run(t, "http://"+addr+"/", 50*time.Millisecond)
	if r.Refused == 0 || r.Failed() != 0 || r.Answered != 0 {
		t.Errorf("against a closed port: %+v, want refusals only", r)
	}
}

// TestGracefulShutdown shuts an http.Server down under load: every answer
// arrives before Shutdown returns, and afterwards dials are refused. An
// answer written before Shutdown returned may be read a moment later (more
// so under -race on a busy machine): lateMargin allows for that, and is
// well short of the time the load goes on after Shutdown, in which a server
// still answering would show.
func TestGracefulShutdown(t *testing.T) {
	const lateMargin, loadAfter = 100 * time.Millisecond, 400 * time.Millisecond
	l := listen(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(l)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() {
		r, err := Run(ctx, Options{URL: "http://" + l.Addr().String() + "/", Connections: 4, Timeout: 2 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	time.Sleep(100 * time.Millisecond)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	shutdownDone := time.Now()
	time.Sleep(loadAfter)
	cancel()
	r := <-done
	if r.Answered == 0 || r.Refused == 0 {
		t.Errorf("graceful shutdown under load: %+v, want answers, then refusals", r)
	}
	if late := r.LastAnswer.Sub(shutdownDone); late > lateMargin {
		t.Errorf("an answer arrived %v after Shutdown returned", late)
	}
}

// listen returns a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []Options{
		{URL: "https://x/", Connections: 1, Timeout: time.Second},
		{URL: "http:///", Connections: 1, Timeout: time.Second},
		{URL: "http://x/", Connections: 0, Timeout: time.Second},
		{URL: "http://x/", Connections: 1},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("Run(%+v): no error", o)
		}
	}
}
