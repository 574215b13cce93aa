package symsize

import (
	"os"
	"testing"

	"github.com/go-multistage/multistage/bench/internal/testprog"
)

func TestPackageOf(t *testing.T) {
	known := map[string]bool{
		"net/http": true, "github.com/labstack/echo/v4": true, "gopkg.in/yaml.v3": true,
		"slices": true, "main": true, "vendor/golang.org/x/net/idna": true,
	}
	tests := []struct{ sym, want string }{
		{"net/http.(*conn).serve", "net/http"},
		{"github.com/labstack/echo/v4.(*Echo).ServeHTTP", "github.com/labstack/echo/v4"},
		{"gopkg.in/yaml%2ev3.(*parser).parse", "gopkg.in/yaml.v3"},
		{"crypto/internal/entropy/v1%2e0%2e0.Seed", "crypto/internal/entropy/v1.0.0"}, // guessed
		{"type:.eq.net/http.connReader", "net/http"},
		{"type:.hash.net/http.x", "net/http"},
		{"type:.eq.[45]vendor/golang.org/x/net/idna.option", "vendor/golang.org/x/net/idna"},
		{"type:.eq.[2]*[3]net/http.x", "net/http"},
		{"go:itab.*github.com/labstack/echo/v4.context,github.com/labstack/echo/v4.Context", "github.com/labstack/echo/v4"},
		{"go:itab.*a/b.c,net/http.Handler", "a/b"}, // guessed from the concrete type
		{"aeshashbody", GroupOther},
		{"type:*net/http.conn", "net/http"},
		{"go:itab.*net/http.conn,io.Writer", "net/http"},
		{"slices.SortFunc[go.shape.struct { a net/http.x }]", "slices"},
		{"vendor/golang.org/x/net/idna.idnaValues", "vendor/golang.org/x/net/idna"},
		{"main.main", "main"},
		{"runtime.mheap_", "runtime"}, // unknown to the list: guessed
		{"go:func.*", GroupRuntimeTables},
		{"go:string.*", GroupRuntimeTables},
		{"type:.eq.[2]interface {}", GroupTypeMetadata},
		{"type:.eq.[8]string", GroupTypeMetadata},
		{"$f64.3ff0000000000000", GroupOther},
		{"", GroupOther},
	}
	for _, tt := range tests {
		t.Run(tt.sym, func(t *testing.T) {
			if got := PackageOf(tt.sym, known); got != tt.want {
				t.Errorf("PackageOf(%q) = %q, want %q", tt.sym, got, tt.want)
			}
		})
	}
}

func TestSum(t *testing.T) {
	syms := []Symbol{
		{"net/http.a", 10}, {"net/http.b", 5}, {"github.com/x/y.f", 7},
		{"github.com/x/y/z.g", 1}, {"go:func.*", 3},
	}
	mods := map[string]string{"net/http": "std", "github.com/x/y": "github.com/x/y", "github.com/x/y/z": "github.com/x/y"}
	b := Sum(syms, mods)
	if b.Total != 26 {
		t.Errorf("Total = %d, want 26", b.Total)
	}
	wantPkgs := []Item{{"net/http", 15}, {"github.com/x/y", 7}, {GroupRuntimeTables, 3}, {"github.com/x/y/z", 1}}
	if !equal(b.Packages, wantPkgs) {
		t.Errorf("Packages = %v, want %v", b.Packages, wantPkgs)
	}
	wantMods := []Item{{"std", 15}, {"github.com/x/y", 8}, {GroupRuntimeTables, 3}}
	if !equal(b.Modules, wantMods) {
		t.Errorf("Modules = %v, want %v", b.Modules, wantMods)
	}
}

func equal(a, b []Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadRealBinary builds a small program and checks that its symbols are
// found and that the runtime and main are among them.
func TestReadRealBinary(t *testing.T) {
	const source = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n"
	bin := testprog.Build(t, source)
	syms, err := Read(bin)
	if err != nil {
		t.Fatal(err)
	}
	b := Sum(syms, map[string]string{"main": "main", "fmt": "std", "runtime": "std"})
	found := map[string]bool{}
	for _, p := range b.Packages {
		found[p.Name] = true
	}
	for _, want := range []string{"main", "fmt", "runtime"} {
		if !found[want] {
			t.Errorf("no symbols of package %s in %v", want, b.Packages)
		}
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if b.Total <= 0 || b.Total > fi.Size() {
		t.Errorf("symbol bytes %d, want between 1 and the file size %d (bss left out)", b.Total, fi.Size())
	}

	if _, err := Read(testprog.Build(t, source, "-ldflags=-s -w")); err == nil {
		t.Error("Read of a stripped binary: no error")
	}
}

func FuzzPackageOf(f *testing.F) {
	for _, s := range []string{"net/http.(*conn).serve", "type:*a/b.c", "go:itab.*x.y,z.w", "a.b[c/d.e]", "/.", "..."} {
		f.Add(s)
	}
	known := map[string]bool{"net/http": true, "a/b": true}
	f.Fuzz(func(t *testing.T, name string) {
		p := PackageOf(name, known)
		if p == "" {
			t.Errorf("PackageOf(%q) is empty", name)
		}
	})
}
