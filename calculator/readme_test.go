package main

// Tests that keep README.md's layout table and the package doc comments in
// step with the folders of the module.

import (
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// packageDocs returns, for each folder of the module that holds a package,
// the package doc comments of its files ("." is package main). Test files
// and generators (files built by no one, //go:build ignore, such as
// internal/width/gen.go) are not the package's.
func packageDocs(t *testing.T) map[string][]string {
	t.Helper()
	docs := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil || isGenerator(f) {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		var doc []string // none, and still a package
		if f.Doc != nil {
			doc = append(doc, strings.Join(strings.Fields(f.Doc.Text()), " "))
		}
		docs[dir] = append(docs[dir], doc...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 7 {
		t.Fatalf("found only the packages %q", docs)
	}
	return docs
}

// isGenerator reports whether f is excluded from every build by a
// //go:build ignore line.
func isGenerator(f *ast.File) bool {
	for _, group := range f.Comments {
		for _, c := range group.List {
			x, err := constraint.Parse(c.Text)
			if tag, ok := x.(*constraint.TagExpr); err == nil && ok && tag.Tag == "ignore" {
				return true
			}
		}
	}
	return false
}

// layoutRows returns the rows of the table in README.md's Layout section:
// for each path (the first cell, without its backquotes) the last cell,
// what the path must not do.
func layoutRows(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, _ := strings.Cut(string(b), "\n## Layout\n")
	layout, _, _ = strings.Cut(layout, "\n## ")
	rows := map[string]string{}
	for _, line := range strings.Split(layout, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = strings.TrimSpace(cells[3])
	}
	return rows
}

// TestReadmeLayoutListsEveryPackage: README.md's layout table has a row
// for each package (main.go for package main) that says what it must not
// do, and every row names files or folders that are there.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	rows := layoutRows(t)
	for _, dir := range slices.Sorted(maps.Keys(packageDocs(t))) {
		path := dir
		if dir == "." {
			path = "main.go"
		}
		mustNot, ok := rows[path]
		switch {
		case !ok:
			t.Errorf("README.md's layout has no row for %s", path)
		case mustNot == "":
			t.Errorf("README.md's layout does not say what %s must not do", path)
		}
	}
	for _, path := range slices.Sorted(maps.Keys(rows)) {
		if m, err := filepath.Glob(filepath.FromSlash(path)); err != nil || len(m) == 0 {
			t.Errorf("README.md's layout has a row for %s, which is not there", path)
		}
	}
}
