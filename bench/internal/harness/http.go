package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-multistage/multistage/bench/internal/chart"
	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/report"
	"github.com/go-multistage/multistage/bench/internal/stats"
	"github.com/go-multistage/multistage/bench/internal/wrk"
)

// Targets of issue 7 for the HTTP server.
const (
	targetLogsOnRatio = 0.90 // ours with access logs, relative to the seed
	targetPeakRSS     = 15e6 // bytes
)

// The servers of the throughput comparison, in round order. The seed with
// hello's timeouts is not a target: it shows what the timeouts issue 3
// requires cost on their own.
const (
	seedServer = iota
	seedTimeouts
	oursLogsOn
	oursLogsOff
	numServers
)

var serverNames = [numServers]string{"seed (plain net/http)", "seed with hello's timeouts", "ours, access log on", "ours, access log off"}

// httpLoad measures throughput (item 2) and peak memory (item 3) of the
// seed-like server and ours with and without access logs, in interleaved
// rounds.
func (h *Harness) httpLoad(ctx context.Context, s *report.Section) error {
	p := h.plan
	s.Method = fmt.Sprintf("wrk (one thread, %d connections, %v per round) on loopback against `GET /`, "+
		"%d rounds interleaved as seed → seed with hello's timeouts → ours with access log → ours without, each server warmed up for %v first. "+
		"Servers run with GOMAXPROCS=1, pinned with taskset to CPU %s; wrk is pinned to CPU %s. "+
		"A ratio is taken per round (ours ÷ the seed's run just before it), then the median and range of those ratios are shown. "+
		"With logs on, the access log goes to a file on disk (truncated between rounds, after its lines are counted); "+
		"the seed and ours with logs off write their standard output to /dev/null. "+
		"Peak memory is VmHWM from /proc/PID/status after all rounds. "+
		"Where hello's time goes (instructions per request with callgrind, CPU profiles): bench/README.md, \"Profile notes (hello)\".",
		p.connections, p.httpDuration, p.httpRounds, p.warmup, orNone(h.cfg.ServerCPU), orNone(h.cfg.LoadCPU))

	wr, err := wrk.NewRunner(h.cfg.Out)
	if err != nil {
		return err
	}
	logPath := h.path("access-log.jsonl")
	// O_APPEND: after a truncation the server's writes start again at 0.
	logFile, err := os.OpenFile(logPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(logPath)
	defer logFile.Close()
	stderr, err := os.Create(h.path("servers-stderr.log"))
	if err != nil {
		return err
	}
	defer stderr.Close()

	specs := [numServers]serverSpec{
		seedServer:   h.seedServerSpec(serverNames[seedServer], h.devnull),
		seedTimeouts: h.seedServerSpec(serverNames[seedTimeouts], h.devnull, "SEED_TIMEOUTS=1"),
		oursLogsOn:   h.helloSpec(serverNames[oursLogsOn], logFile, "-access-log=true"),
		oursLogsOff:  h.helloSpec(serverNames[oursLogsOff], h.devnull, "-access-log=false"),
	}
	var servers [numServers]*server
	defer func() {
		for _, sv := range servers {
			if sv != nil {
				sv.terminate(5 * time.Second)
			}
		}
	}()
	for i, spec := range specs {
		if servers[i], err = startServer(ctx, spec, h.cfg.ServerCPU, stderr); err != nil {
			return err
		}
	}

	load := func(sv *server, d time.Duration) (wrk.Result, error) {
		res, err := wr.Measure(ctx, wrk.Options{URL: sv.url, Connections: p.connections, Duration: d, CPUs: h.cfg.LoadCPU})
		if err != nil {
			return res, fmt.Errorf("load on %s: %w", sv.name, err)
		}
		return res, sv.alive()
	}
	for _, sv := range servers {
		if _, err := load(sv, p.warmup); err != nil {
			return err
		}
	}
	if err := logFile.Truncate(0); err != nil {
		return err
	}

	loadBefore := loadAverage()
	var results [numServers][]wrk.Result
	var logLines int64
	for round := range p.httpRounds {
		h.logf("   round %d/%d", round+1, p.httpRounds)
		for i, sv := range servers {
			res, err := load(sv, p.httpDuration)
			if err != nil {
				return err
			}
			results[i] = append(results[i], res)
		}
		time.Sleep(100 * time.Millisecond) // let the last log lines land
		n, err := countLines(logFile)
		if err != nil {
			return err
		}
		logLines += n
		if err := logFile.Truncate(0); err != nil {
			return err
		}
	}

	var rss [numServers]int64
	for i, sv := range servers {
		if rss[i], err = sv.peakRSS(); err != nil {
			return err
		}
	}
	rowsErr := h.throughputRows(s, results, logLines)
	s.Add("machine load (1-minute load average, 2 cores) before → after the rounds", "", loadBefore+" → "+loadAverage(), report.Info)
	for i := range servers {
		target, st := "", report.Info
		if i == oursLogsOn || i == oursLogsOff {
			target, st = "≤ "+mb(targetPeakRSS), report.Verdict(rss[i] <= targetPeakRSS)
		}
		s.Add("peak RSS under load: "+serverNames[i], target, mb(float64(rss[i])), st)
	}
	return rowsErr
}

// throughputRows adds the throughput rows, the details table and the chart
// bars; after an error, the rows it has added stay.
func (h *Harness) throughputRows(s *report.Section, results [numServers][]wrk.Result, logLines int64) error {
	var rps [numServers][]float64
	var table [][]string
	for i, rs := range results {
		var p50, p99 []float64
		var errs, failed int64
		for _, r := range rs {
			rps[i] = append(rps[i], r.PerSecond())
			p50 = append(p50, float64(r.LatencyP50.Microseconds())/1000)
			p99 = append(p99, float64(r.LatencyP99.Microseconds())/1000)
			errs += r.Errors.Connect
			failed += r.Errors.Failed()
		}
		table = append(table, []string{serverNames[i], stats.Summarize(rps[i]).Format(0),
			fmt.Sprintf("%.2f", stats.Summarize(p50).Median), fmt.Sprintf("%.2f", stats.Summarize(p99).Median),
			strconv.FormatInt(failed, 10), strconv.FormatInt(errs, 10)})
	}
	s.Details = "Per server, over the measured rounds (requests per second: median (min–max, rounds); latencies: medians of the rounds' percentiles):\n\n" +
		markdown.Table([]string{"Server", "Requests/s", "p50 ms", "p99 ms", "Failed requests", "Connect errors"}, table)

	seed := stats.Summarize(rps[seedServer])
	s.Add("seed server throughput", "", fmt.Sprintf("%.0f req/s", seed.Median), report.Info)
	h.ratioBars = append(h.ratioBars, chart.Bar{Label: "seed (plain net/http)", Value: 1, Text: "1.00"})
	for _, i := range []int{seedTimeouts, oursLogsOn, oursLogsOff} {
		ratios, err := stats.Ratios(rps[i], rps[seedServer])
		if err != nil {
			return err
		}
		r := stats.Summarize(ratios)
		target, st := "", report.Info
		if i == oursLogsOn {
			target, st = fmt.Sprintf("≥ %.2f", targetLogsOnRatio), report.Verdict(r.Median >= targetLogsOnRatio)
		}
		s.Add("throughput ratio "+serverNames[i]+" ÷ seed", target, r.Format(2), st)
		h.ratioBars = append(h.ratioBars, chart.Bar{Label: serverNames[i], Value: r.Median, Text: fmt.Sprintf("%.2f", r.Median), Ours: i != seedTimeouts})
	}
	// The same comparison on equal terms: both servers with the timeouts.
	ratios, err := stats.Ratios(rps[oursLogsOn], rps[seedTimeouts])
	if err != nil {
		return err
	}
	s.Add("throughput ratio "+serverNames[oursLogsOn]+" ÷ "+serverNames[seedTimeouts], "", stats.Summarize(ratios).Format(2), report.Info)
	var logged int64
	for _, r := range results[oursLogsOn] {
		logged += r.Requests
	}
	if logged > 0 {
		s.Add("access log lines per answered request (logs on)", "≥ 1.00",
			fmt.Sprintf("%.4f (%d lines, %d requests)", float64(logLines)/float64(logged), logLines, logged),
			report.Verdict(logLines >= logged))
	}
	return nil
}

// countLines counts the newlines in f from its start.
func countLines(f *os.File) (int64, error) {
	buf := make([]byte, 1<<20)
	var n int64
	var off int64
	for {
		k, err := f.ReadAt(buf, off)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		off += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("counting log lines: %w", err)
		}
	}
}

// mb formats bytes in decimal megabytes.
func mb(bytes float64) string {
	return fmt.Sprintf("%.2f MB", bytes/1e6)
}

func mib(bytes float64) string {
	return fmt.Sprintf("%.1f MiB", bytes/(1<<20))
}

func orNone(cpus string) string {
	if cpus == "" {
		return "(none: not pinned)"
	}
	return cpus
}

// loadAverage returns the 1-minute load average, which says how much the
// other users of a shared machine disturbed the rounds.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}
