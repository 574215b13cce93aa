package swarmresult

import (
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestResultFormat holds testdata/result.json, the sample of what
// SWARM_RESULT receives, to Result: read into it (no field unknown) and
// written back with Marshal, it is the same bytes. The benchmark report's
// TestAddSwarmRows reads the same sample.
func TestResultFormat(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("testdata", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(sample))
	dec.DisallowUnknownFields()
	var res Result
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("testdata/result.json: %v", err)
	}
	if got := res.Marshal(); !bytes.Equal(got, sample) {
		t.Errorf("testdata/result.json written back differs:\n%s\nwant:\n%s", got, sample)
	}
}

// TestImportsOnlyTheStandardLibrary holds the package to what its doc
// promises the bench module, which imports it: nothing of e2e, and no
// dependency, comes with it.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: only the standard library may be imported here", name, path)
			}
		}
	}
}
