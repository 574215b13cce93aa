package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeConsole runs every "$ calculator ..." line of README.md's
// console examples (also after a pipe, through sh) with the real binary
// and checks that it prints what the README shows beneath it.
func TestReadmeConsole(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, block := range strings.Split(string(b), "```console\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
		for i, line := range lines {
			cmd, ok := strings.CutPrefix(line, "$ ")
			if !ok || !strings.Contains(" "+cmd, " calculator") || strings.Contains(cmd, "docker") {
				continue
			}
			var want []string
			for _, l := range lines[i+1:] {
				if strings.HasPrefix(l, "$ ") {
					break
				}
				want = append(want, l)
			}
			shell := strings.ReplaceAll(" "+cmd, " calculator", " "+binary)
			stdout, stderr, _ := runProgram(t, nil, "sh", "-c", shell)
			if got := strings.TrimSuffix(stdout+stderr, "\n"); got != strings.Join(want, "\n") {
				t.Errorf("README.md: $ %s\nprints\n%s\nwant\n%s", cmd, got, strings.Join(want, "\n"))
			}
			ran++
		}
	}
	if ran < 5 {
		t.Fatalf("ran only %d examples", ran)
	}
}
