// Command report runs the benchmark harness and writes the Markdown report
// and its SVG chart. `make bench` runs it from the bench directory.
//
// Usage:
//
//	cd bench && GOWORK=off go run ./cmd/report [flags]
//
// It exits 0 when every measurement ran (whether or not the targets were
// met: misses are reported in the report), 1 when a measurement could not
// run (the report is still written and says which), and 2 on bad usage.
//
// It only wires: flags and environment into [harness.Config], the report and
// chart onto disk, the exit code. It must not measure anything itself, and
// a missed target must not change its exit status.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-multistage/multistage/bench/internal/harness"
	"github.com/go-multistage/multistage/bench/internal/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line, with defaults from the environment.
type options struct {
	quick                bool
	ci                   bool
	reportPath           string
	goImage, alpineImage string
	imageTag             string
	serverCPU, loadCPU   string
	only                 []string
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{quick: getenv("BENCH_QUICK") == "1", ci: isTrue(getenv("CI"))}
	serverCPU, loadCPU := "", ""
	if runtime.NumCPU() >= 2 {
		serverCPU, loadCPU = "0", "1"
	}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.quick, "quick", o.quick, "reduced rounds and durations, report into out/ (env BENCH_QUICK=1)")
	fs.BoolVar(&o.ci, "ci", o.ci, "fail instead of skipping when Docker or the images are missing (env CI)")
	fs.StringVar(&o.reportPath, "report", "", "where to write the report (default REPORT.md, or out/REPORT.md with -quick); the chart goes beside it")
	fs.StringVar(&o.goImage, "go-image", getenv("GO_IMAGE"), "base image our images were built from, for the seed-shaped builders (env GO_IMAGE)")
	fs.StringVar(&o.alpineImage, "alpine-image", getenv("ALPINE_IMAGE"), "alpine base image our images were built from (env ALPINE_IMAGE)")
	fs.StringVar(&o.imageTag, "image-tag", cmp.Or(getenv("IMAGE_TAG"), "dev"), "tag of our images (hello:TAG, hello:TAG-scratch, ...) and of the seed-shaped ones built beside them (env IMAGE_TAG)")
	fs.StringVar(&o.serverCPU, "server-cpu", serverCPU, "taskset CPU list for the measured programs (empty: no pinning)")
	fs.StringVar(&o.loadCPU, "load-cpu", loadCPU, "taskset CPU list for wrk (empty: no pinning)")
	fs.Func("only", "comma-separated sections to run, of "+strings.Join(harness.SectionKeys, ","), func(v string) error {
		for _, k := range strings.Split(v, ",") {
			if !slices.Contains(harness.SectionKeys, k) {
				return fmt.Errorf("unknown section %q", k)
			}
			o.only = append(o.only, k)
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if !validTag(o.imageTag) {
		return o, fmt.Errorf("-image-tag %q: want a Docker tag (letters, digits, '_', '.', '-'; not first '.' or '-'; at most 100)", o.imageTag)
	}
	if o.reportPath == "" {
		o.reportPath = "REPORT.md"
		if o.quick {
			o.reportPath = filepath.Join("out", "REPORT.md")
		}
	}
	return o, nil
}

// validTag reports whether tag is a Docker image tag that leaves room for
// the suffixes the images add ("-scratch", "-000-single").
func validTag(tag string) bool {
	if tag == "" || len(tag) > 100 || tag[0] == '.' || tag[0] == '-' {
		return false
	}
	for _, r := range tag {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// isTrue reads a CI-style boolean: set and not "false" or "0".
func isTrue(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && v != "false" && v != "0"
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	o, err := parse(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 2
	}
	bench, err := benchDir()
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 2
	}
	// Before hours of measuring: the report must have somewhere to go.
	reportPath, err := prepareReport(bench, o.reportPath)
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	cfg := harness.Config{
		Quick: o.quick, CI: o.ci,
		Root: filepath.Dir(bench), Bench: bench, Out: filepath.Join(bench, "out"),
		GoImage: o.goImage, AlpineImage: o.alpineImage, ImageTag: o.imageTag,
		ServerCPU: o.serverCPU, LoadCPU: o.loadCPU,
		Only: o.only,
		Logf: logf,
	}
	r, svg, err := harness.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	r.Command = commandLine(o, args, getenv)
	r.Mode = "full"
	if o.quick {
		r.Mode = "quick (BENCH_QUICK=1): fewer rounds and shorter runs, to keep the harness working in CI; its numbers are indicative only"
	}
	r.Notes = notes(o)
	if svg != nil {
		r.Chart = "chart.svg"
		if err := os.WriteFile(filepath.Join(filepath.Dir(reportPath), r.Chart), svg, 0o644); err != nil {
			fmt.Fprintln(stderr, "report:", err)
			return 1
		}
	}
	if err := os.WriteFile(reportPath, []byte(r.Markdown()), 0o644); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	logf("wrote %s", reportPath)
	return summarize(r, stderr)
}

// prepareReport returns where the report goes, path taken relative to the
// bench directory unless it is absolute, and makes its directory.
func prepareReport(bench, path string) (string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(bench, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("report directory: %w", err)
	}
	return path, nil
}

// summarize prints the misses and failures and returns the exit code.
func summarize(r *report.Report, stderr io.Writer) int {
	for _, m := range r.Misses() {
		fmt.Fprintln(stderr, "target missed:", m)
	}
	code := 0
	for _, s := range r.Sections {
		if s.Err != nil {
			fmt.Fprintf(stderr, "measurement failed: %s: %v\n", s.Title, s.Err)
			code = 1
		}
		if s.Skipped != "" {
			fmt.Fprintf(stderr, "skipped: %s: %s\n", s.Title, s.Skipped)
		}
	}
	return code
}

// benchDir returns the bench module's directory: the working directory,
// which must hold the module and its baselines.
func benchDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	mod, err := os.ReadFile(filepath.Join(wd, "go.mod"))
	if err != nil || !strings.Contains(string(mod), "module github.com/go-multistage/multistage/bench\n") {
		return "", fmt.Errorf("run me from the bench directory (make bench does), not %s", wd)
	}
	return wd, nil
}

// commandLine is the command that reproduces the run.
func commandLine(o options, args []string, getenv func(string) string) string {
	prefix := ""
	if o.quick {
		prefix = "BENCH_QUICK=1 "
	}
	if o.imageTag != "" && o.imageTag != "dev" && getenv("IMAGE_TAG") == o.imageTag {
		prefix = "IMAGE_TAG=" + o.imageTag + " " + prefix
	}
	if getenv("MAKELEVEL") != "" {
		return prefix + "make bench"
	}
	return strings.TrimSpace("cd bench && " + prefix + "GOWORK=off go run ./cmd/report " + strings.Join(args, " "))
}

// notes are the caveats printed under the report's header.
func notes(o options) []string {
	n := []string{"Absolute numbers are this machine's, and a shared machine is noisy: " +
		"the ratios, taken between runs interleaved in time, are the figures to compare. MB and KB are 10⁶ and 10³ bytes."}
	switch {
	case o.serverCPU == "" || o.loadCPU == "":
		n = append(n, "Programs were not pinned to CPUs (fewer than two CPUs, or pinning was turned off): the load generator and the server shared the cores.")
	case o.serverCPU == o.loadCPU:
		n = append(n, "The measured programs and wrk were pinned to the same CPU, so they competed for it.")
	}
	return n
}
