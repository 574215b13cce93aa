package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/go-multistage/multistage/bench/internal/engines"
	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/report"
	"github.com/go-multistage/multistage/bench/internal/stats"
)

// targetEngineSpeedup is how many times faster than expr-lang/expr ours
// must be (geometric mean over the table).
const targetEngineSpeedup = 3.0

// engine runs the Go benchmarks of the three expression engines and
// compares them with benchstat (item 5).
func (h *Harness) engine(ctx context.Context, s *report.Section) error {
	p := h.plan
	args := []string{"test", "-run", "^$", "-bench", "^BenchmarkEval$", "-benchmem",
		"-count", fmt.Sprint(p.benchCount), "-benchtime", p.benchTime, "-cpu", "1", "./internal/engines"}
	s.Method = fmt.Sprintf("`go %s` in `bench/` (GOWORK=off), pinned to CPU %s: every engine parses and evaluates each expression of one table, "+
		"as a caller that sees each expression once would (expr-lang/expr: Compile then Run; govaluate: NewEvaluableExpression then Evaluate). "+
		"Times are medians of the %d runs; the speed-up is expr-lang's time ÷ ours per expression, and its geometric mean over the table is held against the target. "+
		"benchstat's comparison, with confidence intervals, follows.",
		strings.Join(args, " "), orNone(h.cfg.ServerCPU), p.benchCount)

	argv := pinned(h.cfg.ServerCPU, append([]string{"go"}, args...)...)
	out, err := command(ctx, h.cfg.Bench, []string{"GOWORK=off"}, argv[0], argv[1:]...)
	if err != nil {
		return fmt.Errorf("engine benchmarks: %w", err)
	}
	raw := h.path("engine-bench.txt")
	if err := os.WriteFile(raw, out, 0o644); err != nil {
		return err
	}
	compared, err := command(ctx, h.cfg.Bench, []string{"GOWORK=off"}, "go", "tool", "benchstat", "-col", "/impl", "-row", "/case", raw)
	if err != nil {
		return fmt.Errorf("benchstat: %w", err)
	}
	res, err := parseEngineBench(out)
	if err != nil {
		return err
	}

	var speedups []float64
	var rows [][]string
	for _, c := range engines.Table {
		ours, el, gv := res[key{c.Name, engines.Ours.Name}], res[key{c.Name, engines.ExprLang.Name}], res[key{c.Name, engines.Govaluate.Name}]
		if ours.ns == 0 || el.ns == 0 || gv.ns == 0 {
			return fmt.Errorf("engine benchmarks: case %s is missing an engine's result", c.Name)
		}
		sp := el.ns / ours.ns
		speedups = append(speedups, sp)
		rows = append(rows, []string{c.Name, "`" + c.Src + "`",
			fmt.Sprintf("%.0f", ours.ns), fmt.Sprintf("%.0f", el.ns), fmt.Sprintf("%.0f", gv.ns),
			fmt.Sprintf("%.0f / %.0f / %.0f", ours.allocs, el.allocs, gv.allocs), fmt.Sprintf("%.1f×", sp)})
	}
	geo := stats.GeoMean(speedups)
	s.Add("speed-up of ours over expr-lang/expr (compile+run), geometric mean", fmt.Sprintf("≥ %.0f×", targetEngineSpeedup),
		fmt.Sprintf("%.2f× (per expression %.1f×–%.1f×)", geo, slices.Min(speedups), slices.Max(speedups)), report.Verdict(geo >= targetEngineSpeedup))

	exactRows, oursExact, err := exactness()
	if err != nil {
		return err
	}
	s.Add("ours exact on every expression", "all", fmt.Sprintf("%d of %d", oursExact, len(engines.Table)), report.Verdict(oursExact == len(engines.Table)))

	s.Details = "Median ns/op and allocs/op per expression:\n\n" +
		markdown.Table([]string{"Case", "Expression", "ours ns/op", "expr-lang ns/op", "govaluate ns/op", "allocs/op (ours / expr-lang / govaluate)", "speed-up vs expr-lang"}, rows) +
		"\nResults, exact or not (a float result is exact only if the binary fraction it holds equals the true value):\n\n" +
		markdown.Table([]string{"Case", "ours", "expr-lang", "govaluate"}, exactRows) +
		"\nbenchstat:\n\n" + markdown.Code(string(compared))
	return nil
}

type key struct{ cas, impl string }

// medians of one benchmark.
type benchResult struct{ ns, allocs float64 }

// parseEngineBench reads `go test -bench` output of BenchmarkEval and
// returns the median time and allocations per case and engine.
func parseEngineBench(out []byte) (map[key]benchResult, error) {
	type samples struct{ ns, allocs []float64 }
	all := map[key]*samples{}
	r := benchfmt.NewReader(bytes.NewReader(out), "engine-bench.txt")
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		_, parts := res.Name.Parts()
		var k key
		for _, p := range parts {
			kv := strings.TrimPrefix(string(p), "/")
			if v, ok := strings.CutPrefix(kv, "case="); ok {
				k.cas = v
			}
			if v, ok := strings.CutPrefix(kv, "impl="); ok {
				k.impl = v
			}
		}
		sec, ok1 := res.Value("sec/op")
		allocs, ok2 := res.Value("allocs/op")
		if k.cas == "" || k.impl == "" || !ok1 || !ok2 {
			return nil, fmt.Errorf("engine benchmarks: unexpected result %q", res.Name)
		}
		if all[k] == nil {
			all[k] = &samples{}
		}
		all[k].ns = append(all[k].ns, sec*1e9)
		all[k].allocs = append(all[k].allocs, allocs)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("engine benchmarks: %w", err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("engine benchmarks printed no results")
	}
	med := map[key]benchResult{}
	for k, v := range all {
		med[k] = benchResult{ns: stats.Summarize(v.ns).Median, allocs: stats.Summarize(v.allocs).Median}
	}
	return med, nil
}

// exactness evaluates the table with every engine and shows each result,
// marked exact or not. It also counts the expressions ours gets exactly.
func exactness() (rows [][]string, oursExact int, err error) {
	for _, c := range engines.Table {
		row := []string{c.Name}
		for _, e := range engines.All {
			exact, shown, err := engines.Check(e, c)
			if err != nil {
				return nil, 0, err
			}
			mark := "exact"
			if !exact {
				mark = "**inexact**"
			}
			row = append(row, "`"+shown+"` "+mark)
			if exact && e.Name == engines.Ours.Name {
				oursExact++
			}
		}
		rows = append(rows, row)
	}
	return rows, oursExact, nil
}
