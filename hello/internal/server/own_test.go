package server

import (
	"strings"
	"testing"
	"time"
)

// TestOwnAnswersAreCounted: the requests net/http answers or closes itself,
// which no handler sees, are counted by status class and logged in one
// periodic record, not one per request.
func TestOwnAnswersAreCounted(t *testing.T) {
	cfg := testConfig()
	cfg.ReadHeaderTimeout = 200 * time.Millisecond
	cfg.MaxHeaderBytes = 1024
	srv := start(t, cfg, nil)
	requests := map[string]string{
		"bad request line":  "NOT HTTP\r\n\r\n",
		"bad header":        "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
		"oversized headers": "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 8<<10) + "\r\n\r\n",
		"unknown encoding":  "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n",
		"unknown version":   "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
		"OPTIONS *":         "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"header timeout":    "GET / HTTP/1.1\r\nHost: x\r\n",
	}
	for _, req := range requests {
		exchange(t, srv.addr, req) // each waits for the server to end the stream
	}
	do(t, "GET", srv.url+"/", nil) // a handler's request is not counted
	srv.stop()
	if err := srv.wait(t); err != nil {
		t.Fatal(err)
	}
	recs := withMsg(srv.logs.records(t), "requests answered by net/http itself")
	if len(recs) != 1 {
		t.Fatalf("%d records of net/http's own answers, want 1: %v", len(recs), recs)
	}
	want := map[string]float64{"status_2xx": 1, "status_4xx": 3, "status_5xx": 2, "status_other": 0, "incomplete": 1}
	for k, v := range want {
		if recs[0][k] != v {
			t.Errorf("%s = %v, want %v (record %v)", k, recs[0][k], v, recs[0])
		}
	}
}
