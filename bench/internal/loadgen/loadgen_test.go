package loadgen

import (
	"bufio"
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

func TestAnswered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hi"))
	}))
	defer srv.Close()
	start := time.Now()
	r := run(t, srv.URL+"/", 200*time.Millisecond)
	if r.Answered == 0 || r.Failed() != 0 || r.Refused != 0 {
		t.Errorf("against a healthy server: %+v, want answers only", r)
	}
	if r.LastAnswer.Before(start) || r.LastAnswer.After(time.Now()) {
		t.Errorf("LastAnswer %v outside the run", r.LastAnswer)
	}
}

func TestConnectionCloseIsNotAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	}))
	defer srv.Close()
	r := run(t, srv.URL+"/", 200*time.Millisecond)
	if r.Answered == 0 || r.Failed() != 0 {
		t.Errorf("against a server that closes after each answer: %+v, want answers and no failures", r)
	}
}

func TestBadStatusIsBroken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	r := run(t, srv.URL+"/", 100*time.Millisecond)
	if r.Broken == 0 || r.Answered != 0 {
		t.Errorf("against a server answering 500: %+v, want only broken requests", r)
	}
}

// TestDroppedRequestsAreFailures serves a listener that reads each request
// and closes the connection without answering.
func TestDroppedRequestsAreFailures(t *testing.T) {
	l := listen(t)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						return // end of the request's headers: drop it
					}
				}
			}()
		}
	}()
	r := run(t, "http://"+l.Addr().String()+"/", 100*time.Millisecond)
	if r.NoAnswer == 0 || r.Answered != 0 {
		t.Errorf("against a server that drops requests: %+v, want only unanswered requests", r)
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
