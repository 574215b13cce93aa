package bench_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeNumbersComeFromReports checks every measured figure of the
// repository README's Numbers table against the generated report its row
// names (bench/REPORT.md unless the row links a per-program report under
// bench/reports/): each bold figure and each figure with a unit (MB, MiB,
// ms, ×, %) in the measured cell must appear in that report, so that no
// number typed by hand can drift from the run it claims to come from.
func TestReadmeNumbersComeFromReports(t *testing.T) {
	table := markdownSection(t, "../README.md", "Numbers")
	reports := map[string]string{}
	report := func(path string) string {
		if _, ok := reports[path]; !ok {
			b, err := os.ReadFile("../" + path)
			if err != nil {
				t.Fatal(err)
			}
			reports[path] = string(b)
		}
		return reports[path]
	}
	link := regexp.MustCompile(`\((bench/reports/[a-z]+/REPORT\.md)[^)]*\)`)
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 || strings.TrimSpace(cells[1]) == "what" || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		rows++
		path := "bench/REPORT.md"
		if m := link.FindStringSubmatch(cells[3]); m != nil {
			path = m[1]
		}
		text := report(path)
		for _, n := range figures(cells[3]) {
			if !strings.Contains(text, n) {
				t.Errorf("README.md, %q: %q is not in %s", strings.TrimSpace(cells[1]), n, path)
			}
		}
	}
	if rows < 8 {
		t.Fatalf("found only %d rows in README.md's Numbers table", rows)
	}
}

// figures returns the figures of a measured cell that a report must hold:
// the numbers of its bold parts, and every number with a unit.
func figures(cell string) []string {
	cell = regexp.MustCompile(`\([^()]*\]\([^)]*\)\)|\]\([^)]*\)`).ReplaceAllString(cell, "") // links
	var out []string
	for _, m := range regexp.MustCompile(`\*\*([^*]+)\*\*`).FindAllStringSubmatch(cell, -1) {
		out = append(out, regexp.MustCompile(`\d[\d,]*(\.\d+)?`).FindAllString(m[1], -1)...)
	}
	out = append(out, regexp.MustCompile(`\d[\d,]*(\.\d+)? ?(MB|MiB|ms|×|%)`).FindAllString(cell, -1)...)
	return out
}
