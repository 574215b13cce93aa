//go:build pprof

package main

// Built only with -tags pprof, for profiling under load (see
// bench/README.md): HELLO_CPUPROFILE=FILE writes a CPU profile of the
// first HELLO_CPUPROFILE_SECONDS (default 10) seconds after start-up.

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	path := os.Getenv("HELLO_CPUPROFILE")
	if path == "" {
		return
	}
	secs, err := strconv.Atoi(os.Getenv("HELLO_CPUPROFILE_SECONDS"))
	if err != nil || secs <= 0 {
		secs = 10
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello: cpu profile:", err)
		os.Exit(1)
	}
	time.AfterFunc(time.Duration(secs)*time.Second, func() {
		pprof.StopCPUProfile()
		f.Close()
	})
}
