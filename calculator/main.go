// Command calculator evaluates arithmetic expressions exactly: from its
// arguments, from the lines of standard input, or at an interactive
// prompt when run in a terminal. See README.md, or run calculator --help.
//
// Package main only wires the process to package cli: it opens the
// terminal, makes the signals that end the program restore it, and exits
// with the status cli.Run returns. It must not hold logic of its own, which
// only an exec'd binary could test.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/go-multistage/multistage/calculator/internal/cli"
)

func main() {
	var tty cli.Terminal
	if t, ok := cli.OpenTerminal(os.Stdin, os.Stdout); ok {
		tty = t
		restoreOnSignal(t)
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdin, cli.Output(os.Stdout), os.Stderr, tty))
}

// restoreOnSignal makes the signals that end the program end the line
// being edited and restore the terminal first (the interactive mode puts
// it in raw mode), then exit with the shell's status for them: 128 + the
// signal's number.
func restoreOnSignal(t *cli.OSTerminal) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-sigs
		_ = t.EndLine() // exiting anyway; the status says why
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
}
