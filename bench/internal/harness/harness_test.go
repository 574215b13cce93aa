package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/bench/internal/report"
	"github.com/go-multistage/multistage/e2e/deploy/swarmresult"
)

func TestParseAssignments(t *testing.T) {
	out := []byte("standins: building\nexport ALPINE_IMAGE=go-multistage/alpine-standin:local\nGO_IMAGE='golang:1.26'\nQUOTED=\"a b\"\n=bad\nnot an assignment\n")
	got := parseAssignments(out)
	want := map[string]string{
		"ALPINE_IMAGE": "go-multistage/alpine-standin:local",
		"GO_IMAGE":     "golang:1.26",
		"QUOTED":       "a b",
	}
	if len(got) != len(want) {
		t.Errorf("parseAssignments = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestTCPPort(t *testing.T) {
	tests := []struct {
		name    string
		exposed []string
		want    int
		ok      bool
	}{
		{"none", nil, 0, false},
		{"one", []string{"80/tcp"}, 80, true},
		{"lowest tcp", []string{"8080/tcp", "53/udp", "443/tcp"}, 443, true},
		{"udp only", []string{"53/udp"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info imageInfo
			info.Config.ExposedPorts = map[string]struct{}{}
			for _, p := range tt.exposed {
				info.Config.ExposedPorts[p] = struct{}{}
			}
			got, ok := info.tcpPort()
			if got != tt.want || ok != tt.ok {
				t.Errorf("tcpPort = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestHasPrefix(t *testing.T) {
	tests := []struct {
		layers, base []string
		want         bool
	}{
		{[]string{"a", "b"}, []string{"a"}, true},
		{[]string{"a", "b"}, []string{"a", "b"}, true},
		{[]string{"a"}, []string{"a", "b"}, false},
		{[]string{"x", "b"}, []string{"a"}, false},
		{[]string{"a"}, nil, false},
	}
	for _, tt := range tests {
		if got := hasPrefix(tt.layers, tt.base); got != tt.want {
			t.Errorf("hasPrefix(%v, %v) = %v, want %v", tt.layers, tt.base, got, tt.want)
		}
	}
}

// TestCalcInput checks that the lines are in seed 004's format and that no
// line divides by zero or overflows int64, so that every calculator can
// answer all of them.
func TestCalcInput(t *testing.T) {
	in := calcInput(1000)
	if !bytes.Equal(in, calcInput(1000)) {
		t.Error("calcInput is not the same on every call")
	}
	sc := bufio.NewScanner(bytes.NewReader(in))
	n := 0
	for sc.Scan() {
		n++
		parts := strings.Split(sc.Text(), " ")
		if len(parts) != 3 {
			t.Fatalf("line %d %q: not \"a op b\"", n, sc.Text())
		}
		a, err1 := strconv.ParseInt(parts[0], 10, 64)
		b, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("line %d %q: operands are not int64", n, sc.Text())
		}
		if b == 0 || abs(a) > 1e9 || abs(b) > 1e9 {
			t.Fatalf("line %d %q: zero divisor or operand too large", n, sc.Text())
		}
		switch parts[1] {
		case "+", "-", "*", "/":
		default:
			t.Fatalf("line %d %q: bad operator", n, sc.Text())
		}
	}
	if n != 1000 {
		t.Errorf("calcInput(1000) has %d lines", n)
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestParseEngineBench(t *testing.T) {
	out := []byte(`goos: linux
pkg: github.com/go-multistage/multistage/bench/internal/engines
BenchmarkEval/case=int-add/impl=ours         	 1000000	       100.0 ns/op	      24 B/op	       1 allocs/op
BenchmarkEval/case=int-add/impl=ours         	 1000000	       300.0 ns/op	      24 B/op	       1 allocs/op
BenchmarkEval/case=int-add/impl=ours         	 1000000	       200.0 ns/op	      24 B/op	       1 allocs/op
BenchmarkEval/case=int-add/impl=expr-lang    	  100000	      9000 ns/op	    8968 B/op	      41 allocs/op
PASS
`)
	got, err := parseEngineBench(out)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[key{"int-add", "ours"}]; r.ns < 199.9 || r.ns > 200.1 || r.allocs != 1 {
		t.Errorf("ours = %+v, want the median 200 ns and 1 alloc", r)
	}
	if r := got[key{"int-add", "expr-lang"}]; r.ns < 8999 || r.ns > 9001 || r.allocs != 41 {
		t.Errorf("expr-lang = %+v, want 9000 ns and 41 allocs", r)
	}
	if _, err := parseEngineBench([]byte("PASS\n")); err == nil {
		t.Error("no results: no error")
	}
	if _, err := parseEngineBench([]byte("BenchmarkOther 10 5 ns/op\n")); err == nil {
		t.Error("a result without case and impl: no error")
	}
}

func TestCPUModel(t *testing.T) {
	info := []byte("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n")
	if got := cpuModel(info); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel([]byte("processor: 0\n")); got != "unknown" {
		t.Errorf("cpuModel without a model = %q, want unknown", got)
	}
}

func TestCountLines(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "lines")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// More than one read buffer, and a last line without a newline.
	line := strings.Repeat("x", 1000) + "\n"
	for range 3000 {
		f.WriteString(line)
	}
	f.WriteString("tail")
	n, err := countLines(f)
	if err != nil || n != 3000 {
		t.Errorf("countLines = %d, %v; want 3000", n, err)
	}
}

// TestServerLifecycle builds the seed-like server, starts it through
// startServer, reads its memory and ends it with SIGTERM, which kills it:
// the seed does not handle signals.
func TestServerLifecycle(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "seedserver")
	build := exec.Command("go", "build", "-o", bin, "../../baseline/seedserver")
	build.Env = append(os.Environ(), goEnv()...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	sv, err := startServer(ctx, seedSpec("seed", bin, nil), "", &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := sv.alive(); err != nil {
		t.Fatal(err)
	}
	rss, err := sv.peakRSS()
	if err != nil || rss < 1e6 {
		t.Errorf("peakRSS = %d, %v; want at least 1 MB", rss, err)
	}
	if !sv.terminate(10 * time.Second) {
		t.Fatal("the seed server did not end on SIGTERM")
	}
	if got := sv.exitDescription(); got != "killed by signal terminated" {
		t.Errorf("exit = %q, want killed by signal terminated", got)
	}
	if err := sv.alive(); err == nil {
		t.Error("alive() after the exit: no error")
	}
}

// TestAddSwarmRows turns e2e's sample of what the swarm test writes to
// SWARM_RESULT (e2e/deploy/swarmresult/testdata/result.json, which
// swarmresult's TestResultFormat holds to the format) into the section's
// rows and table.
func TestAddSwarmRows(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "..", "e2e", "deploy", "swarmresult", "testdata", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res swarmresult.Result
	if err := json.Unmarshal(sample, &res); err != nil {
		t.Fatalf("e2e's sample result: %v", err)
	}
	var s report.Section
	addSwarmRows(&s, res)
	want := map[string]report.Status{"failed requests": report.Fail, "answered with the seed's body": report.Fail, "requests sent": report.Info}
	for _, row := range s.Rows {
		if st, ok := want[row.Item]; ok && st != row.Status {
			t.Errorf("row %q: status %v, want %v", row.Item, row.Status, st)
		}
	}
	if !slices.ContainsFunc(s.Rows, func(r report.Row) bool { return r.Measured == "40, 1 failed, 1 of 1 s or more, slowest 1200 ms" }) {
		t.Errorf("no DNS row with the sample's lookups: %+v", s.Rows)
	}
	for _, part := range []string{"| rolling update to a second image | 40s | 900 | 898 | 2 | 5 |", "| start (client up, before the scenario) | — | 100 | 100 | 0 | 0 |"} {
		if !strings.Contains(s.Details, part) {
			t.Errorf("details lack %q:\n%s", part, s.Details)
		}
	}
	res.Failed, res.OK = 0, res.Sent
	s = report.Section{}
	addSwarmRows(&s, res)
	for _, row := range s.Rows {
		if row.Status == report.Fail {
			t.Errorf("row %q fails with nothing failed", row.Item)
		}
	}
}

// TestWorstLines checks the worst-case lines: within the calculator's
// length limit, named once each, the start-up line first.
func TestWorstLines(t *testing.T) {
	lines := worstLines()
	if lines[0].name != baselineLine {
		t.Errorf("first line %q, want the start-up line", lines[0].name)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if len(l.line) > 64<<10 || strings.Contains(l.line, "\n") {
			t.Errorf("%s: %d bytes or a newline: not one line within the limit", l.name, len(l.line))
		}
		if seen[l.name] {
			t.Errorf("%s: named twice", l.name)
		}
		seen[l.name] = true
	}
}

// TestSeedImagesBuildFromBaseline checks that every seed-shaped image names
// a program folder and a seed shape's Dockerfile that exist in
// bench/baseline, and that each of ours has a seed-shaped counterpart of
// its flavour.
func TestSeedImagesBuildFromBaseline(t *testing.T) {
	byTag := map[string]*image{}
	for _, im := range comparedImages("dev") {
		byTag[im.tag] = im
		if im.ours {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", "..", "baseline", im.program, "main.go")); err != nil {
			t.Errorf("%s: program %q: %v", im.tag, im.program, err)
		}
		if _, err := os.Stat(filepath.Join("..", "..", "baseline", im.dockerfile)); err != nil {
			t.Errorf("%s: Dockerfile %q: %v", im.tag, im.dockerfile, err)
		}
	}
	for _, im := range comparedImages("dev") {
		if !im.ours {
			continue
		}
		c := byTag[im.counterpart]
		if c == nil || c.ours || c.flavour != im.flavour {
			t.Errorf("%s: counterpart %q is not a seed-shaped %s image", im.tag, im.counterpart, im.flavour)
		}
	}
}

// TestComparedImagesTags: the default tag gives the images build-images.sh
// and the README name; another tag names every image, ours and the
// seed-shaped ones, so that runs with different tags share none.
func TestComparedImagesTags(t *testing.T) {
	var dev, mine []string
	for _, im := range comparedImages("dev") {
		dev = append(dev, im.tag)
	}
	for _, im := range comparedImages("mine") {
		mine = append(mine, im.tag)
	}
	want := []string{"hello:dev", "hello:dev-scratch", "calculator:dev", "calculator:dev-alpine",
		"seed-baseline:000-single", "seed-baseline:000-alpine", "seed-baseline:000-scratch", "seed-baseline:004-scratch", "seed-baseline:004-alpine"}
	if !slices.Equal(dev, want) {
		t.Errorf("tag dev: %q, want %q", dev, want)
	}
	for _, tag := range mine {
		if !strings.Contains(tag, ":mine") || slices.Contains(dev, tag) {
			t.Errorf("tag mine: %q is not tagged mine, or is one of dev's", tag)
		}
	}
}

// TestBaseImages: the configuration's base images win; scripts/machine/standins.sh
// is asked only for one that is not set, and only if it is there.
func TestBaseImages(t *testing.T) {
	root := t.TempDir()
	marker := filepath.Join(root, "asked")
	script := "#!/bin/sh\ntouch " + marker + "\necho 'standins: building' >&2\necho 'export GO_IMAGE=go-standin'\necho \"ALPINE_IMAGE='alpine-standin'\"\n"
	if err := os.MkdirAll(filepath.Join(root, "scripts", "machine"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, goImage, alpineImage string
		script                     bool
		wantGo, wantAlpine         string
		asked                      bool
	}{
		{"both set", "g", "a", true, "g", "a", false},
		{"alpine missing", "g", "", true, "g", "alpine-standin", true},
		{"none set", "", "", true, "go-standin", "alpine-standin", true},
		{"no script", "", "a", false, "", "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(marker)
			path := filepath.Join(root, "scripts", "machine", "standins.sh")
			os.Remove(path)
			if tt.script {
				if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			h := &Harness{cfg: Config{Root: root, GoImage: tt.goImage, AlpineImage: tt.alpineImage}}
			g, a, err := h.baseImages(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(marker)
			if g != tt.wantGo || a != tt.wantAlpine || (statErr == nil) != tt.asked {
				t.Errorf("baseImages = %q, %q, script asked %v; want %q, %q, asked %v", g, a, statErr == nil, tt.wantGo, tt.wantAlpine, tt.asked)
			}
		})
	}
}

func TestShipExperiment(t *testing.T) {
	for _, tc := range []struct {
		name, makefile, want string
		wantErr              bool
	}{
		{"set", "GO := go\nSHIP_GOEXPERIMENT := nojsonv2\nbuild:\n", "nojsonv2", false},
		{"two experiments", "SHIP_GOEXPERIMENT\t:=  nojsonv2,nogreenteagc \n", "nojsonv2,nogreenteagc", false},
		{"empty", "SHIP_GOEXPERIMENT :=\n", "", false},
		{"absent", "GO := go\n", "", true},
		{"only mentioned", "# SHIP_GOEXPERIMENT := nojsonv2\n", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "Makefile"), []byte(tc.makefile), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := shipExperiment(root)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("shipExperiment = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := shipExperiment(t.TempDir()); err == nil {
		t.Error("shipExperiment of a folder without a Makefile succeeded")
	}
	// The repository's own Makefile has the line.
	if got, err := shipExperiment("../../.."); err != nil || got == "" {
		t.Errorf("shipExperiment of the repository = %q, %v; want its SHIP_GOEXPERIMENT", got, err)
	}
}
