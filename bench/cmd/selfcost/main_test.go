package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/bench/internal/testprog"
)

func TestRun(t *testing.T) {
	bin := testprog.Build(t, "package main\n\nfunc main() { println(\"hi\") }\n")
	dir := t.TempDir()
	mainAt := symbol(t, bin, "main.main")
	profile := filepath.Join(dir, "callgrind.out")
	text := fmt.Sprintf("positions: instr\nevents: Ir\nfn=(1) main.main\n%#x 300\n+1 100\n", mainAt)
	if err := os.WriteFile(profile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// The base ran main.main 100 times in 2 requests, and a function ours
	// did not.
	base := filepath.Join(dir, "base.out")
	text = fmt.Sprintf("positions: instr\nevents: Ir\nfn=(1) main.main\n%#x 100\nfn=(2) runtime.main\n%#x 60\n", mainAt, symbol(t, bin, "runtime.main"))
	if err := os.WriteFile(base, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // contained
		stderr string // contained
	}{
		{"per request", []string{"-requests", "4", bin, profile}, 0, "400 instructions, 100 per request\n     100 100.0%  main.main\n", ""},
		{"totals", []string{bin, profile}, 0, "400 instructions, 400 per request", ""},
		{"missing profile", []string{bin, filepath.Join(dir, "none")}, 1, "", "selfcost: open "},
		{"not a binary", []string{"main.go", profile}, 1, "", "selfcost: callgrind: "},
		{"against a base", []string{"-requests", "4", "-base-requests", "2", bin, profile, bin, base}, 0,
			"100 per request, base 80: +20\n  change     ours     base  function\n     +50      100       50  main.main\n     -30        0       30  runtime.main\n", ""},
		{"missing base", []string{bin, profile, bin, filepath.Join(dir, "none")}, 1, "", "selfcost: open "},
		{"three arguments", []string{bin, profile, bin}, 2, "", "usage: selfcost"},
		{"zero base requests", []string{"-base-requests", "0", bin, profile, bin, base}, 2, "", "usage: selfcost"},
		{"one argument", []string{bin}, 2, "", "usage: selfcost"},
		{"zero requests", []string{"-requests", "0", bin, profile}, 2, "", "usage: selfcost"},
		{"unknown flag", []string{"-x", bin, profile}, 2, "", "flag provided but not defined"},
		{"help", []string{"-h"}, 0, "", "usage: selfcost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) || tt.stdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.stderr)
			}
		})
	}
}

// symbol returns the address of the function name in the ELF binary bin.
func symbol(t *testing.T, bin, name string) uint64 {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("%s has no symbol %s", bin, name)
	return 0
}
