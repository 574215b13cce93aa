// Command seed is the original server this project grew from, kept as the
// baseline of the throughput comparison in README.md. Two changes: the
// listen address comes from SEED_ADDR (default ":80", as before), and
// SEED_TIMEOUTS=1 gives its http.Server hello's default timeouts and header
// limit, to measure what they cost on their own.
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
	addr := os.Getenv("SEED_ADDR")
	if addr == "" {
		addr = ":80"
	}
	http.HandleFunc("/", handler)
	fmt.Println("Server started on port 80")
	srv := &http.Server{Addr: addr}
	if os.Getenv("SEED_TIMEOUTS") != "" {
		srv.ReadHeaderTimeout = 5 * time.Second
		srv.ReadTimeout = 15 * time.Second
		srv.WriteTimeout = 30 * time.Second
		srv.IdleTimeout = 60 * time.Second
		srv.MaxHeaderBytes = 16 << 10
	}
	srv.ListenAndServe()
}
