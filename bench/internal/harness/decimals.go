package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-multistage/multistage/bench/internal/decimals"
	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/report"
)

// decimalsCompare sets the calculator's correctly rounded functions
// against github.com/cockroachdb/apd/v3 (issue 24, point 7): the bytes
// apd would add, correctness, and speed at 20 and 1000 digits (item 5b).
func (h *Harness) decimalsCompare(ctx context.Context, s *report.Section) error {
	p := h.plan
	args := []string{"test", "-run", "^$", "-bench", "^BenchmarkFunctions$", "-benchmem",
		"-count", fmt.Sprint(p.benchCount), "-benchtime", p.benchTime, "-cpu", "1", "./internal/decimals"}
	const seed, random = 1, 400
	s.Method = fmt.Sprintf("Size: two probes built like the binaries (`CGO_ENABLED=0 go build -trimpath -ldflags='-s -w'`), `internal/decimals/probe/base` (math/big only) and `probe/apd` (the same plus apd's Sqrt, Exp, Ln and Pow). "+
		"Correctness: the reference cases of Python's decimal module in `calculator/expr/testdata/reference` for the functions apd has (sqrt, exp, ln, log10, powers), then %d random arguments per function at 20 digits (seed %d), "+
		"where ours and apd disagree judged by ours at 60 digits rounded half to even. Speed: `go %s` in `bench/`, pinned to CPU %s, medians of %d runs "+
		"(ours: a whole Eval, parsing and rounding included; apd: the function alone, rounding half to even, which is not always correct).",
		random, seed, strings.Join(args, " "), orNone(h.cfg.ServerCPU), p.benchCount)

	// Size.
	var sizes [2]int64
	for i, probe := range []string{"base", "apd"} {
		out := h.path("probe-" + probe)
		if _, err := command(ctx, h.cfg.Bench, []string{"GOWORK=off", "CGO_ENABLED=0"}, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./internal/decimals/probe/"+probe); err != nil {
			return fmt.Errorf("probe %s: %w", probe, err)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return err
		}
		sizes[i] = fi.Size()
	}
	added := sizes[1] - sizes[0]
	s.Add("bytes apd's Sqrt, Exp, Ln and Pow add to a math/big program (stripped)", "", fmt.Sprintf("%d (%s)", added, mb(float64(added))), report.Info)

	// Correctness.
	cases, err := decimals.ReadCases(filepath.Join(h.cfg.Bench, "..", "calculator", "expr", "testdata", "reference", "reference.txt"))
	if err != nil {
		return err
	}
	checked := decimals.Check(cases)
	disagree := decimals.Disagreements(decimals.Random(random, seed), 20)
	var rows [][]string
	oursWrong, apdWrong := 0, 0
	for _, fn := range []string{"sqrt", "exp", "ln", "log10", "^"} {
		o, a := checked[[2]string{"ours", fn}], checked[[2]string{"apd", fn}]
		d := disagree[fn]
		if o == nil || a == nil || d == nil {
			return fmt.Errorf("no cases for %s", fn)
		}
		oursWrong += o.Wrong + d.OursWrong + d.Failed
		apdWrong += a.Wrong + d.ApdWrong
		rows = append(rows, []string{fn, fmt.Sprintf("%d / %d", o.Wrong, o.Cases), fmt.Sprintf("%d / %d", a.Wrong, a.Cases),
			fmt.Sprintf("%d / %d", d.OursWrong+d.Failed, d.Cases), fmt.Sprintf("%d / %d", d.ApdWrong, d.Cases), d.Example})
	}
	s.Add("ours: results not correctly rounded (reference and random cases)", "0", fmt.Sprint(oursWrong), report.Verdict(oursWrong == 0))
	s.Add("apd: results not correctly rounded (same cases)", "", fmt.Sprint(apdWrong), report.Info)

	// Speed.
	argv := pinned(h.cfg.ServerCPU, append([]string{"go"}, args...)...)
	out, err := command(ctx, h.cfg.Bench, []string{"GOWORK=off"}, argv[0], argv[1:]...)
	if err != nil {
		return fmt.Errorf("decimal benchmarks: %w", err)
	}
	if err := os.WriteFile(h.path("decimals-bench.txt"), out, 0o644); err != nil {
		return err
	}
	res, err := parseEngineBench(out)
	if err != nil {
		return err
	}
	var speed [][]string
	for _, op := range decimals.Speed {
		for _, digits := range decimals.Digits {
			c := fmt.Sprintf("%s-%d", op.Expression(), digits)
			ours, theirs := res[key{c, "ours"}], res[key{c, "apd"}]
			if ours.ns == 0 || theirs.ns == 0 {
				return fmt.Errorf("decimal benchmarks: %s is missing a result", c)
			}
			speed = append(speed, []string{"`" + op.Expression() + "`", fmt.Sprint(digits),
				fmt.Sprintf("%.0f", ours.ns), fmt.Sprintf("%.0f", theirs.ns), fmt.Sprintf("%.1f×", theirs.ns/ours.ns)})
		}
	}
	slices.SortStableFunc(speed, func(a, b []string) int { return strings.Compare(a[1], b[1]) })
	s.Details = "Correctness (wrong / cases; the random cases' example is one of apd's misses, with the right digits):\n\n" +
		markdown.Table([]string{"Function", "ours, reference", "apd, reference", "ours, random", "apd, random", "Example"}, rows) +
		"\nSpeed, median ns/op:\n\n" +
		markdown.Table([]string{"Operation", "Digits", "ours ns/op", "apd ns/op", "apd ÷ ours"}, speed)
	return nil
}
