// Command seedserver is seed 000's web server, kept as the seed wrote it so
// that benchmarks compare our server against the seed's behaviour: a plain
// net/http handler, no logs, no timeouts, no signal handling, and the error
// from ListenAndServe ignored. The only changes: the port comes from a flag
// (default 80, the seed's port), so that it can run beside other servers, and
// -timeouts gives its http.Server hello's default timeouts and header limit,
// to measure what those cost on their own.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"time"
)

func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "Hello from Multi-Stage Build!")
}

func main() {
	port := flag.String("port", "80", "TCP port to listen on")
	timeouts := flag.Bool("timeouts", false, "set hello's default timeouts and header limit")
	flag.Parse()
	http.HandleFunc("/", handler)
	fmt.Println("Server started on port " + *port)
	srv := &http.Server{Addr: ":" + *port} // what http.ListenAndServe uses
	if *timeouts {
		srv.ReadHeaderTimeout = 5 * time.Second
		srv.ReadTimeout = 15 * time.Second
		srv.WriteTimeout = 30 * time.Second
		srv.IdleTimeout = time.Minute
		srv.MaxHeaderBytes = 16 << 10
	}
	srv.ListenAndServe()
}
