// Package bench_test keeps README.md's layout table and the packages' doc
// comments in step with the module's folders.
package bench_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// modulePackages returns the module's packages, as go list sees them: each
// folder, slash-separated and relative to the module, with its Go files
// other than tests.
func modulePackages(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=Dir,GoFiles", "./...")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]string{}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p struct {
			Dir     string
			GoFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list's output: %v", err)
		}
		rel, err := filepath.Rel(wd, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range p.GoFiles {
			pkgs[filepath.ToSlash(rel)] = append(pkgs[filepath.ToSlash(rel)], filepath.Join(p.Dir, name))
		}
	}
	return pkgs
}

// layoutSection returns the "## Layout" section of README.md.
func layoutSection(t *testing.T) string {
	t.Helper()
	return markdownSection(t, "README.md", "Layout")
}

// markdownSection returns the "## heading" section of the Markdown file
// at path, up to the next such heading.
func markdownSection(t *testing.T, path, heading string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("%s has no %q section", path, "## "+heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// layoutRow is a row of README.md's layout table that names a package.
type layoutRow struct{ path, what, mustNot string }

// readmeLayout returns the rows of README.md's layout table whose path is
// a package folder (cmd/…, internal/…, baseline/… without a file name).
func readmeLayout(t *testing.T) []layoutRow {
	t.Helper()
	pkgPath := regexp.MustCompile("^`((?:cmd|internal|baseline)/[a-z0-9/]+)`$")
	var rows []layoutRow
	for _, line := range strings.Split(layoutSection(t), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 {
			continue
		}
		m := pkgPath.FindStringSubmatch(strings.TrimSpace(cells[1]))
		if m == nil {
			continue
		}
		rows = append(rows, layoutRow{m[1], strings.TrimSpace(cells[2]), strings.TrimSpace(cells[3])})
	}
	return rows
}

// TestReadmeLayoutListsEveryPackage: the README's layout table has one row
// for each package of the module, saying what it is for and what it must
// not do, and none for a package that is gone.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	var inReadme []string
	for _, r := range readmeLayout(t) {
		inReadme = append(inReadme, r.path)
		if r.what == "" || r.mustNot == "" {
			t.Errorf("README.md's layout row for %s leaves %q or %q empty", r.path, "for", "must not")
		}
	}
	inTree := slices.Sorted(maps.Keys(modulePackages(t)))
	slices.Sort(inReadme)
	if len(inTree) < 13 || !slices.Equal(inReadme, inTree) {
		t.Errorf("README.md's layout lists %q; the packages are %q", inReadme, inTree)
	}
}

// TestReadmeLayoutPathsExist: the first path of every row of the README's
// layout table, package or not, is in the tree.
func TestReadmeLayoutPathsExist(t *testing.T) {
	rows := regexp.MustCompile("(?m)^\\| `([^`]+)`").FindAllStringSubmatch(layoutSection(t), -1)
	if len(rows) < 15 {
		t.Fatalf("README.md's layout table: only %d rows found", len(rows))
	}
	for _, m := range rows {
		if _, err := os.Stat(filepath.FromSlash(m[1])); err != nil {
			t.Errorf("README.md's layout names %s: %v", m[1], err)
		}
	}
}
