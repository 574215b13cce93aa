package harness

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/procfs"
	"github.com/go-multistage/multistage/bench/internal/report"
	"github.com/go-multistage/multistage/bench/internal/stats"
)

// calcInput returns n lines "a op b" in the form every calculator compared
// reads (seed 004's: single spaces, 64-bit integers), with operands up to
// 10⁹ in size so that no result overflows int64, and no zero divisor.
// The lines are the same on every run.
func calcInput(n int) []byte {
	r := rand.New(rand.NewPCG(4, 4))
	var b bytes.Buffer
	for i := range n {
		a := r.Int64N(2e9+1) - 1e9
		d := r.Int64N(1e9) + 1
		if r.IntN(2) == 0 {
			d = -d
		}
		fmt.Fprintf(&b, "%d %c %d\n", a, "+-*/"[i%4], d)
	}
	return b.Bytes()
}

// calcRun is one timed run of a calculator.
type calcRun struct {
	wall  time.Duration
	rss   int64 // peak, bytes
	lines int64
}

// calcProcess pipes the same lines through our calculator, bc and the
// seed-like calculator in interleaved rounds (item 6).
func (h *Harness) calcProcess(ctx context.Context, s *report.Section) error {
	p := h.plan
	s.Method = fmt.Sprintf("%d lines such as `-123 * 456` (random 64-bit-safe operands, + − × ÷ in turn, the seed's format) are piped from a file into each program, "+
		"%d rounds interleaved ours → bc → seed-like, each pinned to CPU %s; standard output goes to a file whose lines are counted. "+
		"Wall time is from start to exit; peak RSS is the largest VmHWM read from /proc/PID/status every millisecond while the program runs (a lower bound if the peak comes in its last millisecond). bc computes integer division (scale 0), "+
		"the seed-like calculator int64 division, ours exact fractions.",
		p.calcLines, p.calcRounds, orNone(h.cfg.ServerCPU))
	bc, err := exec.LookPath("bc")
	if err != nil {
		return fmt.Errorf("bc is needed for the calculator comparison: %w", err)
	}
	input := h.path("calc-lines.txt")
	if err := os.WriteFile(input, calcInput(p.calcLines), 0o644); err != nil {
		return err
	}
	tools := []struct {
		name string
		argv []string
	}{
		{"ours", []string{h.bin.calculator}},
		{"bc", []string{bc, "-q"}},
		{"seed-like", []string{h.bin.seedCalc}},
	}
	runs := make([][]calcRun, len(tools))
	for round := range p.calcRounds {
		for i, t := range tools {
			r, err := h.calcOnce(ctx, t.argv, input)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", t.name, round+1, err)
			}
			runs[i] = append(runs[i], r)
		}
	}

	walls := make([][]float64, len(tools))
	var table [][]string
	for i, t := range tools {
		var peak int64
		for _, r := range runs[i] {
			walls[i] = append(walls[i], r.wall.Seconds()*1000)
			peak = max(peak, r.rss)
		}
		table = append(table, []string{t.name, "`" + joinArgs(t.argv) + " < calc-lines.txt`", stats.Summarize(walls[i]).Format(1), mb(float64(peak))})
		lines := runs[i][0].lines
		target, st := "", report.Info
		if t.name == "ours" {
			target, st = fmt.Sprint(p.calcLines), report.Verdict(lines == int64(p.calcLines))
		}
		s.Add(t.name+": output lines", target, fmt.Sprint(lines), st)
		s.Add(t.name+": wall time, ms", "", stats.Summarize(walls[i]).Format(1), report.Info)
		s.Add(t.name+": peak RSS", "", mb(float64(peak)), report.Info)
	}
	for i := 1; i < len(tools); i++ {
		ratios, err := stats.Ratios(walls[0], walls[i])
		if err != nil {
			return err
		}
		s.Add("wall time ours ÷ "+tools[i].name, "", stats.Summarize(ratios).Format(2), report.Info)
	}
	s.Details = markdown.Table([]string{"Program", "Command", "Wall ms, median (min–max, n)", "Peak RSS"}, table) +
		"\nBy hand, after a run: `hyperfine 'bench/out/bin/calculator < bench/out/calc-lines.txt' 'bc -q < bench/out/calc-lines.txt' 'bench/out/bin/seedcalc < bench/out/calc-lines.txt'`.\n"
	return nil
}

// calcOnce runs argv with input on standard input, pinned, and measures it.
func (h *Harness) calcOnce(ctx context.Context, argv []string, input string) (calcRun, error) {
	in, err := os.Open(input)
	if err != nil {
		return calcRun{}, err
	}
	defer in.Close()
	outPath := h.path("calc-out.txt")
	out, err := os.Create(outPath)
	if err != nil {
		return calcRun{}, err
	}
	defer os.Remove(outPath)
	defer out.Close()
	argv = pinned(h.cfg.ServerCPU, argv...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout = in, out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return calcRun{}, fmt.Errorf("%v: %w", argv, err)
	}
	done := make(chan struct{})
	peak := make(chan int64)
	go watchPeakRSS(cmd.Process.Pid, done, peak)
	err = cmd.Wait()
	wall := time.Since(start)
	close(done)
	rss := <-peak
	if err != nil {
		return calcRun{}, fmt.Errorf("%v: %w: %s", argv, err, tail(stderr.String(), 500))
	}
	lines, err := countLines(out)
	if err != nil {
		return calcRun{}, err
	}
	if rss == 0 {
		return calcRun{}, fmt.Errorf("%v ended before its memory could be read", argv)
	}
	return calcRun{wall: wall, rss: rss, lines: lines}, nil
}

// watchPeakRSS reads the VmHWM of process pid every millisecond until done
// is closed, then sends the largest value read. (The maxrss that wait4
// reports is no use here: Linux carries the parent's peak over into a child
// started with vfork, as Go starts processes, so every child would show at
// least the harness's own size.)
func watchPeakRSS(pid int, done <-chan struct{}, peak chan<- int64) {
	var highest int64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if n, err := procfs.PeakRSS(pid); err == nil && n > highest {
			highest = n
		}
		select {
		case <-done:
			peak <- highest
			return
		case <-tick.C:
		}
	}
}

// joinArgs shows argv with the program's base name.
func joinArgs(argv []string) string {
	return strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:]...), " ")
}
