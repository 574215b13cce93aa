// The server of seed 000, as the seed wrote it: the baseline that the hello
// image must beat in size.
package main

import (
	"fmt"
	"net/http"
)

func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "Hello from Multi-Stage Build!")
}

func main() {
	http.HandleFunc("/", handler)
	fmt.Println("Server started on port 80")
	http.ListenAndServe(":80", nil)
}
