// Command selfcost prints where a program's instructions went, by function,
// from a callgrind profile recorded with --dump-instr=yes:
//
//	selfcost [-requests N] [-top N] BINARY PROFILE
//	selfcost [-requests N] [-base-requests M] [-top N] BINARY PROFILE BASE_BINARY BASE_PROFILE
//
// BINARY is the profiled program (not stripped). With -requests, counts are
// divided by N, to read as instructions per request. Given a second program
// and its profile (over M requests), it prints instead where the first
// spends more and where less than the second, per request and function:
// the N largest increases, then the N largest decreases. Unlike
// callgrind_annotate's, the totals do not depend on the call stacks that
// callgrind inferred, which Go's goroutine switches confuse (see package
// internal/callgrind). bench/scripts/hello-callgrind.sh runs it.
//
// Exit status: 0, 1 if a file cannot be read, 2 on bad usage.
//
// It only wires the command line to package callgrind; it must not run
// valgrind or the profiled program (the script does).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/go-multistage/multistage/bench/internal/callgrind"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("selfcost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	requests := fs.Int64("requests", 1, "divide counts by this number of requests")
	baseRequests := fs.Int64("base-requests", 1, "divide the base profile's counts by this number of requests")
	top := fs.Int("top", 25, "print this many functions (with a base: this many increases and decreases)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: selfcost [-requests N] [-top N] BINARY PROFILE")
		fmt.Fprintln(stderr, "       selfcost [-requests N] [-base-requests M] [-top N] BINARY PROFILE BASE_BINARY BASE_PROFILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 && fs.NArg() != 4 || *requests < 1 || *baseRequests < 1 || *top < 1 {
		fs.Usage()
		return 2
	}
	var err error
	if fs.NArg() == 4 {
		err = compare(fs.Args(), *requests, *baseRequests, *top, stdout)
	} else {
		err = report(fs.Arg(0), fs.Arg(1), *requests, *top, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "selfcost:", err)
		return 1
	}
	return 0
}

func report(binary, profile string, requests int64, top int, w io.Writer) error {
	byFunction, total, err := read(binary, profile)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d instructions, %d per request\n", total, total/requests)
	for i, c := range byFunction {
		if i == top {
			break
		}
		fmt.Fprintf(w, "%8d %5.1f%%  %s\n", c.Instructions/requests, 100*float64(c.Instructions)/float64(max(total, 1)), c.Function)
	}
	return nil
}

// compare prints where the program of args[0:2] spends more and less than
// the base program of args[2:4], per request.
func compare(args []string, requests, baseRequests int64, top int, w io.Writer) error {
	ours, total, err := read(args[0], args[1])
	if err != nil {
		return err
	}
	base, baseTotal, err := read(args[2], args[3])
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d per request, base %d: %+d\n", total/requests, baseTotal/baseRequests, total/requests-baseTotal/baseRequests)
	fmt.Fprintf(w, "%8s %8s %8s  %s\n", "change", "ours", "base", "function")
	changes := callgrind.Compare(ours, requests, base, baseRequests)
	for i, c := range changes {
		if i < top && c.Delta > 0 || len(changes)-i <= top && c.Delta < 0 {
			fmt.Fprintf(w, "%+8d %8d %8d  %s\n", c.Delta, c.Ours, c.Base, c.Function)
		}
	}
	return nil
}

// read returns the instructions of profile by function of binary, and
// their total.
func read(binary, profile string) ([]callgrind.Cost, int64, error) {
	syms, err := callgrind.ReadELF(binary)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(profile)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	costs, err := callgrind.SelfCosts(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", profile, err)
	}
	byFunction := syms.Attribute(costs)
	var total int64
	for _, c := range byFunction {
		total += c.Instructions
	}
	return byFunction, total, nil
}
