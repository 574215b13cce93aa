// Package harness takes the measurements of the benchmark report: image
// sizes, HTTP throughput and memory, shutdown under load, the calculator's
// engine and process, and binary sizes, each against the seeds' programs or
// peers measured in the same run, and the request counts of a rolling
// update on a swarm. Missed targets become rows in the report;
// a measurement that cannot run becomes an error in its section.
//
// It must not read flags or the environment for its settings ([Config]
// carries them all), write the report file or decide the exit status: those
// are cmd/report's. A missed target must not become an error.
package harness

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-multistage/multistage/bench/internal/chart"
	"github.com/go-multistage/multistage/bench/internal/report"
)

// Config says where the harness runs and how thoroughly.
type Config struct {
	// Quick reduces rounds and durations so that the run fits CI.
	Quick bool
	// CI makes missing prerequisites (a Docker engine, built images) an
	// error instead of a skipped section.
	CI bool
	// Root is the repository's root; Bench is Root/bench; Out is a
	// scratch directory for binaries, inputs and raw tool output.
	Root, Bench, Out string
	// GoImage and AlpineImage are the base images our images were built
	// from; the seed-shaped images are built from them too.
	GoImage, AlpineImage string
	// ImageTag is our images' tag, as IMAGE_TAG gives it to
	// scripts/build-images.sh (hello:TAG, hello:TAG-scratch, ...); empty
	// means "dev".
	ImageTag string
	// ServerCPU and LoadCPU pin servers and load generators (taskset CPU
	// lists). Empty means not pinned.
	ServerCPU, LoadCPU string
	// Only, if not empty, names the sections to run (see [SectionKeys]);
	// the others are reported as skipped.
	Only []string
	// Logf reports progress.
	Logf func(format string, args ...any)
}

// SectionKeys name the sections for Config.Only, in report order.
var SectionKeys = []string{"sizes", "http", "conns", "shutdown", "docker-stop", "engine", "decimals", "calc", "worst-case", "binsize", "swarm"}

// plan holds the sizes of a run.
type plan struct {
	httpRounds    int
	httpDuration  time.Duration
	warmup        time.Duration
	connections   int
	shutdownAfter time.Duration // load before SIGTERM in the shutdown test
	benchCount    int
	benchTime     string
	calcRounds    int
	calcLines     int
}

func newPlan(quick bool) plan {
	if quick {
		return plan{
			httpRounds:    5,
			httpDuration:  time.Second,
			warmup:        time.Second,
			connections:   64,
			shutdownAfter: time.Second,
			benchCount:    10,
			benchTime:     "20ms",
			calcRounds:    3,
			calcLines:     100_000,
		}
	}
	return plan{
		httpRounds:    7,
		httpDuration:  10 * time.Second,
		warmup:        2 * time.Second,
		connections:   64,
		shutdownAfter: 3 * time.Second,
		benchCount:    10,
		benchTime:     "500ms",
		calcRounds:    10,
		calcLines:     100_000,
	}
}

// A section takes one item's measurements into s (its method, rows and
// details). An error means the measurement could not run: it becomes the
// section's error, beside whatever rows were added before it.
type section func(ctx context.Context, s *report.Section) error

// Harness runs the measurements.
type Harness struct {
	cfg  Config
	plan plan
	bin  binaries
	// docker is the engine's client, nil when there is none, and noDocker
	// then says why.
	docker   *docker
	noDocker string
	// seedImages is set once the seed-shaped images are built.
	seedImages bool
	// devnull is /dev/null, open for writing: the servers' output nobody
	// reads.
	devnull *os.File
	// Bars collected for the chart.
	sizeBars, ratioBars []chart.Bar
}

// Run takes every measurement and returns the report and its SVG chart (nil
// if there was nothing to draw). The report's sections carry the errors of
// measurements that failed to run.
func Run(ctx context.Context, cfg Config) (*report.Report, []byte, error) {
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating the output directory: %w", err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, nil, err
	}
	defer devnull.Close()
	h := &Harness{cfg: cfg, plan: newPlan(cfg.Quick), devnull: devnull}
	start := time.Now()
	r := &report.Report{Title: "Benchmarks: ours against the seeds and peers", Started: start}

	m, err := describeMachine(ctx)
	if err != nil {
		return nil, nil, err
	}
	r.Machine = m

	h.buildBinaries(ctx)
	h.docker, h.noDocker = findDocker(ctx, h.cfg.Root)
	if h.docker != nil {
		r.Machine.Docker = h.docker.version
	} else {
		r.Machine.Docker = "not available: " + h.noDocker
	}

	b := &h.bin
	needs := func(f section, bins ...string) section {
		return func(ctx context.Context, s *report.Section) error {
			if err := b.need(bins...); err != nil {
				return err
			}
			return f(ctx, s)
		}
	}
	steps := []struct {
		key, title string
		run        section
	}{
		{"sizes", "1. Image sizes", h.imageSizes},
		{"http", "2–3. HTTP throughput and memory", needs(h.httpLoad, b.hello, b.seedServer)},
		{"conns", "3b. Idle connections and hello's connection cap", needs(h.connections, b.hello, b.seedServer)},
		{"shutdown", "4. Shutdown under load", needs(h.shutdown, b.hello, b.seedServer)},
		{"docker-stop", "4b. docker stop", h.dockerStop},
		{"engine", "5. Calculator engine", h.engine},
		{"decimals", "5b. Correctly rounded functions: ours against apd", h.decimalsCompare},
		{"calc", "6. Calculator process", needs(h.calcProcess, b.calculator, b.seedCalc)},
		{"worst-case", "6b. Calculator worst-case lines", needs(h.worstCase, b.calculator)},
		{"binsize", "7. Binary sizes", needs(h.binarySizes, b.hello, b.helloSym, b.calculator, b.calculatorSym, b.seedServer, b.seedCalc)},
		{"swarm", "8. Rolling update on Docker Swarm", h.swarm},
	}
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, st.key) {
			r.Sections = append(r.Sections, report.Section{Title: st.title, Skipped: "not selected (-only " + strings.Join(cfg.Only, ",") + ")"})
			continue
		}
		h.logf("== %s", st.title)
		t0 := time.Now()
		s := report.Section{Title: st.title}
		if err := st.run(ctx, &s); err != nil {
			s.Err = err
			h.logf("   error: %v", s.Err)
		}
		h.logf("   (%s)", time.Since(t0).Round(100*time.Millisecond))
		r.Sections = append(r.Sections, s)
	}
	r.Elapsed = time.Since(start)

	svg, err := h.chart()
	if err != nil {
		return nil, nil, err
	}
	return r, svg, nil
}

func (h *Harness) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
}

// imageTag returns the tag of our images.
func (h *Harness) imageTag() string {
	return cmp.Or(h.cfg.ImageTag, "dev")
}

// path returns a path inside the output directory.
func (h *Harness) path(name string) string {
	return filepath.Join(h.cfg.Out, name)
}

// unavailable turns a missing prerequisite into a skip, or into an error
// in CI.
func (h *Harness) unavailable(s *report.Section, why string) error {
	if h.cfg.CI {
		return fmt.Errorf("%s (CI is set: this must not be skipped)", why)
	}
	s.Skipped = why
	return nil
}

// chart draws the collected bars, or returns nil if there are none.
func (h *Harness) chart() ([]byte, error) {
	var panels []chart.Panel
	if len(h.sizeBars) > 0 {
		panels = append(panels, chart.Panel{Title: "Image size, MB (log scale; blue: ours)", Bars: h.sizeBars, Log: true})
	}
	if len(h.ratioBars) > 0 {
		panels = append(panels, chart.Panel{
			Title: "HTTP throughput relative to the seed's server (median of rounds)", Bars: h.ratioBars,
			Marker: targetLogsOnRatio, MarkerLabel: fmt.Sprintf("target %.2f", targetLogsOnRatio),
		})
	}
	if len(panels) == 0 {
		return nil, nil
	}
	return chart.SVG(panels...)
}
