// Command seedserver is seed 000's web server (shared/seeds/000_*.txt), the
// one copy that every test, benchmark and script measures hello against: a
// plain net/http handler, no logs, no timeouts, no signal handling, and the
// error from ListenAndServe ignored, as the seed wrote it.
//
// With neither variable below set, it behaves as the seed's program and
// prints what it prints. The switches, for the benchmarks, read the
// environment so that they link nothing the seed does not link already (a
// flag set would add 37 KB); they add about 300 bytes of code, one 4 KB page
// of the stripped binary (Go 1.26.8, linux/amd64).
//
//	SEED_ADDR=host:port  listen there instead of the seed's ":80", so that
//	                     it can run on loopback beside other servers
//	SEED_TIMEOUTS=1      give the http.Server hello's default timeouts and
//	                     header limit, to measure what those cost on their own
//
// Any other value of SEED_TIMEOUTS is an error: exit status 2.
//
// It must not gain anything else of hello's (logs, signal handling, a flag
// set), nor be copied: every other place that needs seed 000's server builds
// or runs this one.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "Hello from Multi-Stage Build!")
}

func main() {
	srv, ok := newServer(os.Getenv)
	if !ok {
		fmt.Fprintf(os.Stderr, "seedserver: SEED_TIMEOUTS=%q: want 1 (hello's timeouts) or nothing (the seed's: none)\n", os.Getenv("SEED_TIMEOUTS"))
		os.Exit(2)
	}
	http.HandleFunc("/", handler)
	if srv.Addr == seedAddr {
		fmt.Println("Server started on port 80")
	} else {
		fmt.Println("Server started on " + srv.Addr)
	}
	srv.ListenAndServe()
}

// seedAddr is the seed's listen address.
const seedAddr = ":80"

// newServer returns the http.Server that http.ListenAndServe(":80", nil)
// uses, changed as SEED_ADDR and SEED_TIMEOUTS ask; ok is false when
// SEED_TIMEOUTS has a value it does not know.
func newServer(getenv func(string) string) (srv *http.Server, ok bool) {
	srv = &http.Server{Addr: seedAddr}
	if addr := getenv("SEED_ADDR"); addr != "" {
		srv.Addr = addr
	}
	switch getenv("SEED_TIMEOUTS") {
	case "":
	case "1": // hello's defaults, as `hello -h` shows them
		srv.ReadHeaderTimeout = 5 * time.Second
		srv.ReadTimeout = 15 * time.Second
		srv.WriteTimeout = 30 * time.Second
		srv.IdleTimeout = time.Minute
		srv.MaxHeaderBytes = 16 << 10
	default:
		return nil, false
	}
	return srv, true
}
