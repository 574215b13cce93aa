package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalculate(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1 + 2", 3, false},
		{"-3 * 4", -12, false},
		{"7 / 2", 3, false},
		{"5 - 9", -4, false},
		{"9223372036854775807 + 1", -9223372036854775808, false}, // wraps, like the seed
		{"1+2", 0, true},
		{"1  + 2", 0, true},
		{"1 ^ 2", 0, true},
		{"x + 1", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := calculate(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("calculate(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "seedcalc")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "seedcalc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestPipedLines checks the two fixes to the seed: every piped line is
// answered, and end of input ends the program with status 0.
func TestPipedLines(t *testing.T) {
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader("1 + 2\n10 * 10\nbad\n8 / 4\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("seedcalc: %v", err)
	}
	want := "3\n100\nError: invalid input \"bad\": want \"a op b\"\n2\n"
	if string(out) != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

func TestExitStops(t *testing.T) {
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader("1 + 1\nexit\n2 + 2\n")
	out, err := cmd.Output()
	if err != nil || string(out) != "2\n" {
		t.Errorf("output = %q, %v; want only the line before exit", out, err)
	}
}
