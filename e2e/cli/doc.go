// Package cli holds transcript tests of the two command-line programs: each
// script in testdata/calculator and testdata/hello runs the real binaries,
// built once by TestMain the way a release builds them, and shows exactly
// what a user types and sees, exit status included (testscript, from
// github.com/rogpeppe/go-internal; the syntax is in its package doc).
//
// It lives in the e2e module so that the products' go.mod files keep no
// test-only dependency. It needs no Docker engine; run it with
//
//	GOWORK=off go -C e2e test ./cli/
//
// Besides testscript's own commands, the scripts have:
//
//	exits CODE PROG [ARGS...]  run PROG like exec and check its exit status
//	freeport NAME              set $NAME to a TCP port free on 127.0.0.1
//	listening ADDR             wait (at most 10 s) until ADDR accepts connections
package cli
