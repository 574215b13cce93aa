// Package wrk runs the wrk HTTP load generator and reads its results.
//
// wrk's human-readable output is not a stable format, so Run hands wrk a Lua
// script (summary.lua) whose done hook prints the summary as one JSON line.
//
// It must not read wrk's human-readable output, or decide what a result
// means for a target: it runs wrk and returns its numbers.
package wrk

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

//go:embed summary.lua
var script []byte

// marker starts the line that summary.lua prints.
const marker = "WRK_RESULT "

// Errors counts wrk's failures by kind, as wrk reports them.
type Errors struct {
	Connect int64 `json:"connect"` // connections that could not be opened
	Read    int64 `json:"read"`    // reads that failed or met an early end of stream
	Write   int64 `json:"write"`   // requests that could not be written
	Status  int64 `json:"status"`  // responses with a status other than 2xx or 3xx
	Timeout int64 `json:"timeout"` // requests that got no answer within wrk's timeout
}

// Failed counts the requests that were sent on an open connection and did not
// get a good answer: read, write, timeout and status errors. Connect errors
// are not in it: they are refused new connections, not failed requests.
func (e Errors) Failed() int64 {
	return e.Read + e.Write + e.Timeout + e.Status
}

// Result is the summary of one wrk run.
type Result struct {
	Requests   int64
	Duration   time.Duration
	Bytes      int64
	Errors     Errors
	LatencyP50 time.Duration
	LatencyP99 time.Duration
}

// PerSecond returns the completed requests per second.
func (r Result) PerSecond() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Duration.Seconds()
}

type jsonResult struct {
	Requests   *int64 `json:"requests"`
	DurationUS *int64 `json:"duration_us"`
	Bytes      int64  `json:"bytes"`
	Errors
	P50US int64 `json:"latency_p50_us"`
	P99US int64 `json:"latency_p99_us"`
}

// Parse finds the line that summary.lua prints in wrk's output and decodes it.
func Parse(out []byte) (Result, error) {
	i := bytes.Index(out, []byte(marker))
	if i < 0 {
		return Result{}, errors.New("wrk output has no " + strconv.Quote(marker) + " line")
	}
	line := out[i+len(marker):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	var j jsonResult
	if err := json.Unmarshal(line, &j); err != nil {
		return Result{}, fmt.Errorf("wrk summary %q: %w", line, err)
	}
	if j.Requests == nil || j.DurationUS == nil {
		return Result{}, fmt.Errorf("wrk summary %q: requests or duration missing", line)
	}
	if *j.Requests < 0 || *j.DurationUS <= 0 {
		return Result{}, fmt.Errorf("wrk summary %q: impossible requests or duration", line)
	}
	return Result{
		Requests:   *j.Requests,
		Duration:   time.Duration(*j.DurationUS) * time.Microsecond,
		Bytes:      j.Bytes,
		Errors:     j.Errors,
		LatencyP50: time.Duration(j.P50US) * time.Microsecond,
		LatencyP99: time.Duration(j.P99US) * time.Microsecond,
	}, nil
}

// Options sets up one wrk run.
type Options struct {
	URL         string
	Connections int
	Duration    time.Duration
	// CPUs, if set, pins wrk to these CPUs with taskset (a list such as "1").
	CPUs string
}

// Runner runs wrk with the summary script.
type Runner struct {
	script string
}

// NewRunner writes the summary script into dir and checks that wrk (and
// taskset, needed for pinning) are installed.
func NewRunner(dir string) (*Runner, error) {
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is needed for the HTTP benchmarks: %w", tool, err)
		}
	}
	path := filepath.Join(dir, "wrk-summary.lua")
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return nil, fmt.Errorf("writing wrk script: %w", err)
	}
	return &Runner{script: path}, nil
}

// Measure runs wrk once, with one thread, and returns its summary.
func (r *Runner) Measure(ctx context.Context, o Options) (Result, error) {
	if o.Duration < time.Second {
		return Result{}, fmt.Errorf("wrk duration %v: wrk counts whole seconds", o.Duration)
	}
	args := []string{"wrk", "-t1", "-c" + strconv.Itoa(o.Connections),
		"-d" + strconv.Itoa(int(o.Duration.Round(time.Second)/time.Second)) + "s",
		"-s", r.script, o.URL}
	if o.CPUs != "" {
		args = append([]string{"taskset", "-c", o.CPUs}, args...)
	}
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("wrk: %w: %s", err, bytes.TrimSpace(out))
	}
	res, err := Parse(out)
	if err != nil {
		return Result{}, fmt.Errorf("%w; wrk said: %s", err, bytes.TrimSpace(out))
	}
	return res, nil
}
