package e2e

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/dockerfile"
)

// pinsFile holds the base images, the one place they are written.
const pinsFile = "base-images.env"

// pinPattern is a base image pinned by tag and index digest.
var pinPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9._-]*@sha256:[0-9a-f]{64}$`)

// readPins returns the pins of base-images.env, checked for form.
func readPins(t *testing.T) map[string]string {
	t.Helper()
	pins, err := dockerfile.ReadPins(filepath.Join(repoRoot, pinsFile))
	if err != nil {
		t.Fatal(err)
	}
	if names := slices.Sorted(maps.Keys(pins)); !slices.Equal(names, []string{"ALPINE_IMAGE", "GO_IMAGE"}) {
		t.Fatalf("%s sets %q, want exactly ALPINE_IMAGE and GO_IMAGE", pinsFile, names)
	}
	for name, ref := range pins {
		if !pinPattern.MatchString(ref) {
			t.Errorf("%s: %s=%s is not pinned as name:tag@sha256:<index digest>", pinsFile, name, ref)
		}
	}
	return pins
}

// dockerfiles returns every Dockerfile of the repository (Dockerfile and
// Dockerfile.*), relative to its root.
func dockerfiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(name, ".") || name == "dist" || name == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (name == "Dockerfile" || strings.HasPrefix(name, "Dockerfile.")) {
			rel, err := filepath.Rel(repoRoot, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"Dockerfile.hello", "Dockerfile.calculator", "e2e/testdata/seed000/Dockerfile"} {
		if !slices.Contains(files, must) {
			t.Fatalf("the walk of %s found %q, not %s", repoRoot, files, must)
		}
	}
	return files
}

// TestBaseImagePins checks that base-images.env is the one place of the base
// images: every Dockerfile names its bases through GO_IMAGE and ALPINE_IMAGE
// only, with the pins as their defaults, and .goreleaser.yaml names none.
func TestBaseImagePins(t *testing.T) {
	pins := readPins(t)
	for _, rel := range dockerfiles(t) {
		t.Run(rel, func(t *testing.T) {
			f, err := dockerfile.Parse(filepath.Join(repoRoot, rel))
			if err != nil {
				t.Fatal(err)
			}
			for name, pin := range pins {
				if def, ok := f.Args[name]; ok && def != pin {
					t.Errorf("%s:%d: ARG %s=%s, want %s (the pin of %s)", rel, f.ArgLines[name], name, def, pin, pinsFile)
				}
			}
			var stages []string
			for _, s := range f.Stages {
				checkBase(t, rel, f, s, stages, pins)
				stages = append(stages, strings.ToLower(s.Name))
			}
		})
	}

	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A literal default would be a second copy: an empty one is not passed
	// (GoReleaser drops empty build args), so the Dockerfile's pin applies.
	defaults := regexp.MustCompile(`envOrDefault "[A-Z_]*IMAGE" "([^"]*)"`)
	for _, m := range defaults.FindAllStringSubmatch(string(data), -1) {
		if m[1] != "" {
			t.Errorf(".goreleaser.yaml: %s: a base image of its own; leave it empty so the Dockerfile's pin applies", m[0])
		}
	}
	if m := regexp.MustCompile(`(?m)^.*\b(golang|alpine):[0-9].*$`).Find(data); m != nil {
		t.Errorf(".goreleaser.yaml names a base image (%s): the pins live in %s", strings.TrimSpace(string(m)), pinsFile)
	}
}

// checkBase checks the base of stage s: scratch, an earlier stage, or a
// pinned ARG whose default the file declares.
func checkBase(t *testing.T, rel string, f *dockerfile.File, s dockerfile.Stage, earlier []string, pins map[string]string) {
	t.Helper()
	if s.From == "scratch" || slices.Contains(earlier, strings.ToLower(s.From)) {
		return
	}
	arg := dockerfile.Variable(s.From)
	if _, pinned := pins[arg]; !pinned {
		t.Errorf("%s:%d: FROM %s: name a base only through %s, so that its pin applies",
			rel, s.Line, s.From, strings.Join(slices.Sorted(maps.Keys(pins)), " or "))
		return
	}
	// A default that differs from the pin is reported with its ARG line.
	if _, declared := f.Args[arg]; !declared {
		t.Errorf("%s:%d: FROM %s: no ARG before the first FROM declares %s's default", rel, s.Line, s.From, arg)
	}
}
