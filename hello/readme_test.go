package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// setting is one row of the settings, as -h or the README shows it.
type setting struct{ flag, env, def, rng, help string }

// helpSettings parses the settings of `hello -h`: each is "  -flag [arg]",
// a help line, and, unless it has no variable, "env X, default D, RANGE".
func helpSettings(t *testing.T, help string) []setting {
	t.Helper()
	var out []setting
	lines := strings.Split(help, "\n")
	flagLine := regexp.MustCompile(`^  -([a-z-]+)( \S+)?$`)
	envLine := regexp.MustCompile(`^    \tenv (\S+), default ("[^"]*"|\S+), (.+)$`)
	for i := 0; i < len(lines); i++ {
		m := flagLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "    \t") {
			t.Fatalf("-%s has no help line", m[1])
		}
		s := setting{flag: m[1], help: strings.TrimPrefix(lines[i+1], "    \t")}
		if i+2 < len(lines) {
			if e := envLine.FindStringSubmatch(lines[i+2]); e != nil {
				s.env, s.def, s.rng = e[1], strings.Trim(e[2], `"`), e[3]
			}
		}
		out = append(out, s)
	}
	return out
}

// readmeSettings parses the settings table of README.md.
func readmeSettings(t *testing.T) []setting {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "<!-- settings table")
	table, _, ok2 := strings.Cut(table, "<!-- end of settings table -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no settings table between its markers")
	}
	var out []setting
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 7 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`-") {
			continue
		}
		cell := func(i int) string { return strings.Trim(strings.TrimSpace(cells[i]), "`") }
		out = append(out, setting{flag: strings.TrimPrefix(cell(1), "-"), env: cell(2), def: cell(3), rng: cell(4), help: cell(5)})
	}
	return out
}

// TestReadmeSettingsTableMatchesHelp: the README's table of settings says
// what `hello -h` says, setting by setting, in the same order.
func TestReadmeSettingsTableMatchesHelp(t *testing.T) {
	code, _, help := runHello(t, releaseBin, nil, "-h")
	if code != 0 {
		t.Fatalf("hello -h exit %d", code)
	}
	fromHelp, fromReadme := helpSettings(t, help), readmeSettings(t)
	if len(fromHelp) < 10 {
		t.Fatalf("parsed only %d settings from -h:\n%s", len(fromHelp), help)
	}
	for i := range max(len(fromHelp), len(fromReadme)) {
		var h, r setting
		if i < len(fromHelp) {
			h = fromHelp[i]
		}
		if i < len(fromReadme) {
			r = fromReadme[i]
		}
		if h.def == "" && h.env == "" && r.def == "" {
			r.rng = "" // a setting without a variable (-version) has no default or range in either
		}
		if r.def == "none" && h.def == "none" {
			r.def = h.def
		}
		if h != r {
			t.Errorf("setting %d:\n  -h:     %+v\n  README: %+v", i, h, r)
		}
	}
}
