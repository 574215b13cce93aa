package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/report"
	"github.com/go-multistage/multistage/bench/internal/symsize"
)

// topPackages is how many packages the breakdown lists per binary.
const topPackages = 15

// binarySizes reports the stripped sizes of both products and where their
// bytes go, by module and by package (item 7).
func (h *Harness) binarySizes(ctx context.Context, s *report.Section) error {
	s.Method = "Static binaries built with `CGO_ENABLED=0 GOWORK=off go build -trimpath -ldflags='-s -w'` from each module, as released. " +
		"The breakdown reads the symbol table of the same build without `-s -w` (the sizes `go tool nm -size` prints), " +
		"sums text, read-only data and data symbols (not .bss, which takes no file bytes) by package, and maps packages to modules with `go list -deps`. " +
		"Symbol bytes do not add up to the file size: the rest is the pc-line tables, headers and section padding."
	for _, b := range []struct {
		name, stripped, sym, dir string
	}{
		{"hello", h.bin.hello, h.bin.helloSym, filepath.Join(h.cfg.Root, "hello")},
		{"calculator", h.bin.calculator, h.bin.calculatorSym, filepath.Join(h.cfg.Root, "calculator")},
	} {
		size, err := fileSize(b.stripped)
		if err != nil {
			return err
		}
		s.Add(b.name+" binary, stripped", "", mb(float64(size)), report.Info)
		details, err := breakdown(ctx, b.name, b.sym, b.dir)
		if err != nil {
			return err
		}
		s.Details += details
	}
	for _, b := range []struct{ name, path string }{
		{"seed 000 server (seed-like build), stripped", h.bin.seedServer},
		{"seed 004 calculator (seed-like build), stripped", h.bin.seedCalc},
	} {
		size, err := fileSize(b.path)
		if err != nil {
			return err
		}
		s.Add(b.name, "", mb(float64(size)), report.Info)
	}
	return nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// breakdown renders the module and package tables of one product.
func breakdown(ctx context.Context, name, sym, dir string) (string, error) {
	out, err := command(ctx, dir, goEnv(), "go", "list", "-deps",
		"-f", `{{.ImportPath}}{{"\t"}}{{if .Standard}}std{{else if .Module}}{{.Module.Path}}{{end}}`, ".")
	if err != nil {
		return "", err
	}
	modules := map[string]string{}
	var mainModule string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		pkg, mod, _ := strings.Cut(line, "\t")
		modules[pkg] = mod
		mainModule = mod // the main package comes last in -deps order
	}
	modules["main"] = mainModule
	syms, err := symsize.Read(sym)
	if err != nil {
		return "", err
	}
	b := symsize.Sum(syms, modules)
	share := func(n int64) string { return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(b.Total)) }
	var modRows, pkgRows [][]string
	for _, m := range b.Modules {
		modRows = append(modRows, []string{"`" + m.Name + "`", kb(m.Bytes), share(m.Bytes)})
	}
	for i, p := range b.Packages {
		if i == topPackages {
			break
		}
		mod := "—"
		if m := modules[p.Name]; m != "" {
			mod = "`" + m + "`"
		}
		pkgRows = append(pkgRows, []string{"`" + p.Name + "`", mod, kb(p.Bytes), share(p.Bytes)})
	}
	return fmt.Sprintf("**%s**: %s of symbols. By module:\n\n%s\nLargest %d packages:\n\n%s\n",
			name, kb(b.Total),
			markdown.Table([]string{"Module", "Symbol bytes", "Share"}, modRows), topPackages,
			markdown.Table([]string{"Package", "Module", "Symbol bytes", "Share"}, pkgRows)),
		nil
}

func kb(n int64) string {
	return fmt.Sprintf("%.1f KB", float64(n)/1e3)
}
