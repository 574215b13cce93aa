package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/hello/internal/cli"
)

// setting is one row of the settings, as -h or the README shows it.
type setting struct{ flag, env, def, rng, help string }

// helpSettings parses the settings in the usage text of -h: each is
// "  -flag [arg]", a help line, and, unless it has no variable,
// "env X, default D, RANGE".
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

// readmeSettings parses the table of README.md that follows the comment
// "<!-- name table", up to "<!-- end of name table -->".
func readmeSettings(t *testing.T, name string) []setting {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "<!-- "+name+" table")
	table, _, ok2 := strings.Cut(table, "<!-- end of "+name+" table -->")
	if !ok || !ok2 {
		t.Fatalf("README.md has no %s table between its markers", name)
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

// TestReadmeSettingsTablesMatchHelp: the README's tables of settings say
// what -h says, setting by setting, in the same order, with nothing more
// or less on either side.
func TestReadmeSettingsTablesMatchHelp(t *testing.T) {
	tests := []struct {
		table    string
		args     []string
		atLeast  int
		wantCode int
	}{
		{"settings", []string{"-h"}, 12, cli.ExitOK},
		{"healthcheck settings", []string{"healthcheck", "-h"}, 2, cli.ExitFailure}, // healthcheck exits only 0 or 1
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := cli.Run(t.Context(), tt.args, nil, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("hello %v: exit %d, want %d", tt.args, code, tt.wantCode)
			}
			fromHelp, fromReadme := helpSettings(t, stderr.String()), readmeSettings(t, tt.table)
			if len(fromHelp) < tt.atLeast {
				t.Fatalf("parsed only %d settings from hello %v:\n%s", len(fromHelp), tt.args, stderr.String())
			}
			for i := range max(len(fromHelp), len(fromReadme)) {
				var h, r setting
				if i < len(fromHelp) {
					h = fromHelp[i]
				}
				if i < len(fromReadme) {
					r = fromReadme[i]
				}
				if h != r {
					t.Errorf("setting %d:\n  -h:     %+v\n  README: %+v", i, h, r)
				}
			}
		})
	}
}

// packageDirs returns the folders of the module that hold a package (Go
// files other than tests), "." for package main.
func packageDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			if dir := filepath.Dir(path); !slices.Contains(dirs, dir) {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestReadmeLayoutListsEveryPackage: the README's layout table has a row
// for each package under internal/, and none for a package that is gone.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, _ := strings.Cut(string(b), "\n## Layout\n")
	layout, _, _ = strings.Cut(layout, "\n## ")
	var inReadme []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(internal/[^`]+)` \\|").FindAllStringSubmatch(layout, -1) {
		inReadme = append(inReadme, m[1])
	}
	var inTree []string
	for _, dir := range packageDirs(t) {
		if dir != "." {
			inTree = append(inTree, filepath.ToSlash(dir))
		}
	}
	slices.Sort(inReadme)
	slices.Sort(inTree)
	if len(inTree) < 8 || !slices.Equal(inReadme, inTree) {
		t.Errorf("README.md's layout lists %q; the packages are %q", inReadme, inTree)
	}
}
