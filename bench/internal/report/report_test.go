package report

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func sample() *Report {
	r := &Report{
		Title:   "Benchmarks",
		Command: "make bench",
		Mode:    "full",
		Started: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC),
		Elapsed: 90 * time.Second,
		Machine: Machine{CPU: "AMD EPYC", Cores: 2, MemoryMB: 24105, Kernel: "6.1", Go: "go1.26.8", Docker: "20.10"},
		Chart:   "chart.svg",
	}
	s := Section{Title: "1. Image sizes", Method: "docker image inspect."}
	s.Add("calculator scratch", "≤ 1.90 MB", "1.80 MB", Pass)
	s.Add("hello scratch", "≤ 7.0 MB", "7.50 MB", Fail)
	s.Add("base", "", "2.2 MB", Info)
	r.Sections = append(r.Sections, s, Section{Title: "2. Throughput", Skipped: "no engine"})
	return r
}

func TestMarkdown(t *testing.T) {
	r := sample()
	md := r.Markdown()
	for _, want := range []string{
		"# Benchmarks",
		"| Command | `make bench` |",
		"| Date | 2026-11-23 15:00 UTC (took 1m30s) |",
		"| CPU | AMD EPYC, 2 cores |",
		"Targets missed (the to-do list):",
		"- 1. Image sizes: hello scratch — target ≤ 7.0 MB, measured 7.50 MB",
		"- 2. Throughput: skipped: no engine",
		"![Image sizes and throughput ratios](chart.svg)",
		"| calculator scratch | ≤ 1.90 MB | 1.80 MB | pass |",
		"| hello scratch | ≤ 7.0 MB | 7.50 MB | **FAIL** |",
		"| base | — | 2.2 MB | — |",
		"Skipped: no engine",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if r.Failed() {
		t.Error("Failed() with no section error")
	}
}

func TestFailedAndAllMet(t *testing.T) {
	r := &Report{Sections: []Section{{Title: "x", Err: errors.New("wrk: not found")}}}
	if !r.Failed() {
		t.Error("Failed() = false with a section error")
	}
	if md := r.Markdown(); !strings.Contains(md, "**Could not be measured:** wrk: not found") {
		t.Errorf("report does not say why:\n%s", md)
	}
	ok := &Report{Sections: []Section{{Title: "y", Rows: []Row{{Item: "a", Target: "1", Measured: "1", Status: Pass}}}}}
	if md := ok.Markdown(); !strings.Contains(md, "Every target was met") {
		t.Errorf("clean report does not say so:\n%s", md)
	}
}
