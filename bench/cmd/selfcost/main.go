// Command selfcost prints where a program's instructions went, by function,
// from a callgrind profile recorded with --dump-instr=yes:
//
//	selfcost [-requests N] [-top N] BINARY PROFILE
//
// BINARY is the profiled program (not stripped). With -requests, counts are
// divided by N, to read as instructions per request. Unlike
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
	top := fs.Int("top", 25, "print this many functions")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: selfcost [-requests N] [-top N] BINARY PROFILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 || *requests < 1 || *top < 1 {
		fs.Usage()
		return 2
	}
	if err := report(fs.Arg(0), fs.Arg(1), *requests, *top, stdout); err != nil {
		fmt.Fprintln(stderr, "selfcost:", err)
		return 1
	}
	return 0
}

func report(binary, profile string, requests int64, top int, w io.Writer) error {
	syms, err := callgrind.ReadELF(binary)
	if err != nil {
		return err
	}
	f, err := os.Open(profile)
	if err != nil {
		return err
	}
	defer f.Close()
	costs, err := callgrind.SelfCosts(f)
	if err != nil {
		return fmt.Errorf("%s: %w", profile, err)
	}
	byFunction := syms.Attribute(costs)
	var total int64
	for _, c := range byFunction {
		total += c.Instructions
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
