// Package symsize shows where the bytes of a Go binary go: it reads the ELF
// symbol table (the same sizes `go tool nm -size` prints) and adds the sizes
// up by Go package and by module.
//
// It must not build binaries or run go commands: it reads the file it is
// given, and the caller maps packages to modules.
package symsize

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
	"strings"
)

// Symbol is one sized symbol of a binary.
type Symbol struct {
	Name string
	Size int64
}

// Read returns the sized symbols of the unstripped ELF binary at path that
// occupy bytes in the file: text, read-only data and data. Symbols in
// sections without file bytes (.bss, .noptrbss) are left out.
func Read(path string) ([]Symbol, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading symbols: %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("reading symbols of %s (a stripped binary has none): %w", path, err)
	}
	var out []Symbol
	for _, s := range syms {
		if s.Size == 0 || s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) {
			continue
		}
		if f.Sections[s.Section].Type == elf.SHT_NOBITS {
			continue
		}
		out = append(out, Symbol{Name: s.Name, Size: int64(s.Size)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no sized symbols", path)
	}
	return out, nil
}

// Groups that hold symbols which belong to no single package.
const (
	GroupRuntimeTables = "(runtime tables: func info, strings)"
	GroupTypeMetadata  = "(type metadata)"
	GroupOther         = "(assembly and other unnamed symbols)"
)

// PackageOf returns the import path of the package that symbol name belongs
// to, or one of the Group names. known lists the binary's import paths (from
// `go list -deps`); the longest known path that prefixes the name wins, which
// settles paths with dots in their last element (gopkg.in/yaml.v3, which
// symbol names spell gopkg.in/yaml%2ev3).
func PackageOf(name string, known map[string]bool) string {
	if rest, ok := strings.CutPrefix(name, "go:itab."); ok {
		// An itab belongs to its concrete type, named before the comma.
		name, _, _ = strings.Cut(rest, ",")
	}
	rest, isType := strings.CutPrefix(name, "type:")
	if isType {
		// Generated equality and hash functions belong to the type's
		// package; arrays to their element's.
		name = strings.TrimPrefix(strings.TrimPrefix(rest, ".eq."), ".hash.")
	}
	name = strings.TrimLeft(name, "*")
	for strings.HasPrefix(name, "[") {
		i := strings.IndexByte(name, ']')
		if i < 0 {
			break
		}
		name = strings.TrimLeft(name[i+1:], "*")
	}
	if p := longestKnown(name, known); p != "" {
		return p
	}
	if p := guess(name); p != "" && !strings.HasPrefix(name, "go:") {
		return unescape(p)
	}
	switch {
	case isType:
		return GroupTypeMetadata
	case strings.HasPrefix(name, "go:"):
		return GroupRuntimeTables
	}
	return GroupOther
}

// unescape undoes the escaping of dots in symbol names' package paths.
func unescape(path string) string {
	return strings.ReplaceAll(path, "%2e", ".")
}

func longestKnown(name string, known map[string]bool) string {
	// Try every "." at which a package path could end, longest first.
	end := len(name)
	if i := strings.IndexAny(name, "[("); i >= 0 {
		end = i
	}
	for i := end - 1; i > 0; i-- {
		if name[i] == '.' {
			if p := unescape(name[:i]); known[p] {
				return p
			}
		}
	}
	return ""
}

// guess takes the package path as everything up to the first dot after the
// last slash, before any type parameters or method receivers.
func guess(name string) string {
	if i := strings.IndexAny(name, "[("); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot <= 0 {
		return ""
	}
	p := name[:slash+1+dot]
	if strings.ContainsFunc(p, notInPath) {
		return ""
	}
	return p
}

// notInPath reports whether r cannot appear in an (escaped) import path.
func notInPath(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("/._-~%", r)
}

// Item is a named total.
type Item struct {
	Name  string
	Bytes int64
}

// Breakdown holds symbol bytes summed by package and by module, largest
// first.
type Breakdown struct {
	Total    int64
	Packages []Item
	Modules  []Item
}

// Sum adds up syms by package, then by module. modules maps each import
// path of the binary to its module path ("std" for the standard library);
// packages it does not know are counted under their group names.
func Sum(syms []Symbol, modules map[string]string) Breakdown {
	known := make(map[string]bool, len(modules))
	for p := range modules {
		known[p] = true
	}
	byPkg := map[string]int64{}
	byMod := map[string]int64{}
	var total int64
	for _, s := range syms {
		p := PackageOf(s.Name, known)
		mod, ok := modules[p]
		if !ok {
			mod = p
		}
		byPkg[p] += s.Size
		byMod[mod] += s.Size
		total += s.Size
	}
	return Breakdown{Total: total, Packages: sorted(byPkg), Modules: sorted(byMod)}
}

func sorted(m map[string]int64) []Item {
	items := make([]Item, 0, len(m))
	for k, v := range m {
		items = append(items, Item{Name: k, Bytes: v})
	}
	slices.SortFunc(items, func(a, b Item) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return items
}
