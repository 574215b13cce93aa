// Command seedserver is seed 000's web server, kept as the seed wrote it so
// that benchmarks compare our server against the seed's behaviour: a plain
// net/http handler, no logs, no timeouts, no signal handling, and the error
// from ListenAndServe ignored. The only change is that the port comes from a
// flag (default 80, the seed's port), so that it can run beside other servers.
package main

import (
	"flag"
	"fmt"
	"net/http"
)

func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "Hello from Multi-Stage Build!")
}

func main() {
	port := flag.String("port", "80", "TCP port to listen on")
	flag.Parse()
	http.HandleFunc("/", handler)
	fmt.Println("Server started on port " + *port)
	http.ListenAndServe(":"+*port, nil)
}
