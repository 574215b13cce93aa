package e2e

import (
	"encoding/json"
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

// pinSource is the Dockerfile whose ARG defaults the other Dockerfiles'
// must equal: a plain docker build of each reads only its own file, so
// every Dockerfile carries the pins, and Renovate moves them together.
const pinSource = "Dockerfile.hello"

// pinArg is a pinned base image: a global ARG GO_IMAGE=... or
// ARG ALPINE_IMAGE=... line, pinned by tag and index digest.
var (
	pinArg     = regexp.MustCompile(`(?m)^ARG ((?:GO|ALPINE)_IMAGE)=(.*)$`)
	pinPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9._-]*@sha256:[0-9a-f]{64}$`)
	fromLine   = regexp.MustCompile(`(?mi)^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$`)
)

// readDockerfile returns the content of the Dockerfile rel.
func readDockerfile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// argPins returns the pinned ARG defaults of a Dockerfile's content.
func argPins(dockerfile string) map[string]string {
	pins := map[string]string{}
	for _, m := range pinArg.FindAllStringSubmatch(dockerfile, -1) {
		pins[m[1]] = m[2]
	}
	return pins
}

// readPins returns the base images of pinSource, checked for form.
func readPins(t *testing.T) map[string]string {
	t.Helper()
	pins := argPins(readDockerfile(t, pinSource))
	if names := slices.Sorted(maps.Keys(pins)); !slices.Equal(names, []string{"ALPINE_IMAGE", "GO_IMAGE"}) {
		t.Fatalf("%s pins %q, want exactly ALPINE_IMAGE and GO_IMAGE", pinSource, names)
	}
	for name, ref := range pins {
		if !pinPattern.MatchString(ref) {
			t.Errorf("%s: ARG %s=%s is not pinned as name:tag@sha256:<index digest>", pinSource, name, ref)
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
	for _, must := range []string{"Dockerfile.hello", "Dockerfile.calculator",
		"bench/baseline/Dockerfile.000-single", "bench/baseline/Dockerfile.000-alpine", "bench/baseline/Dockerfile.004-scratch"} {
		if !slices.Contains(files, must) {
			t.Fatalf("the walk of %s found %q, not %s", repoRoot, files, must)
		}
	}
	return files
}

// TestBaseImagePins checks that every Dockerfile names its bases through
// GO_IMAGE and ALPINE_IMAGE only, with pinSource's pins as their defaults,
// and that .goreleaser.yaml names none.
func TestBaseImagePins(t *testing.T) {
	pins := readPins(t)
	for _, rel := range dockerfiles(t) {
		data := readDockerfile(t, rel)
		own := argPins(data)
		for name, def := range own {
			if def != pins[name] {
				t.Errorf("%s: ARG %s=%s, want %s (the pin of %s)", rel, name, def, pins[name], pinSource)
			}
		}
		stages := []string{"scratch"}
		for _, m := range fromLine.FindAllStringSubmatch(data, -1) {
			base := strings.Trim(m[1], "${}")
			if _, declared := own[base]; !declared && !slices.Contains(stages, strings.ToLower(m[1])) {
				t.Errorf("%s: FROM %s: name a base only as ${GO_IMAGE} or ${ALPINE_IMAGE}, declared with its pin", rel, m[1])
			}
			stages = append(stages, strings.ToLower(m[2]))
		}
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
		t.Errorf(".goreleaser.yaml names a base image (%s): the pins live in the Dockerfiles", strings.TrimSpace(string(m)))
	}
}

// renovateConfig is the part of renovate.json the tests read.
type renovateConfig struct {
	EnabledManagers []string `json:"enabledManagers"`
	CustomManagers  []struct {
		CustomType          string   `json:"customType"`
		ManagerFilePatterns []string `json:"managerFilePatterns"`
		MatchStrings        []string `json:"matchStrings"`
		DatasourceTemplate  string   `json:"datasourceTemplate"`
	} `json:"customManagers"`
}

// TestRenovateFindsEveryPin applies renovate.json's patterns for the docker
// datasource the way Renovate does (a file pattern picks the files, each
// match string is applied to the whole file) and requires that they find
// every pin in every Dockerfile: else an update would move some and
// TestBaseImagePins would fail on the bot's pull request.
func TestRenovateFindsEveryPin(t *testing.T) {
	readPins(t)
	r := readRenovate(t, "docker")
	for _, rel := range dockerfiles(t) {
		found, ok := r.find(t, rel, func(re *regexp.Regexp, m []string) string {
			return group(re, m, "depName") + ":" + group(re, m, "currentValue") + "@" + group(re, m, "currentDigest")
		})
		if want := slices.Sorted(maps.Values(argPins(readDockerfile(t, rel)))); ok && !slices.Equal(found, want) {
			t.Errorf("%s: renovate.json finds %q, want %q", rel, found, want)
		}
	}
}

// TestRenovateFindsToolchain applies renovate.json's golang-version patterns
// as TestRenovateFindsEveryPin applies the docker ones: they must find the
// toolchain line of go.work and the ARG GO_TOOLCHAIN default of each product
// Dockerfile, each once, so that one pull request moves every copy.
func TestRenovateFindsToolchain(t *testing.T) {
	r := readRenovate(t, "golang-version")
	var pin string
	for _, rel := range []string{"go.work", "Dockerfile.hello", "Dockerfile.calculator"} {
		found, ok := r.find(t, rel, func(re *regexp.Regexp, m []string) string { return group(re, m, "currentValue") })
		if rel == "go.work" && len(found) == 1 {
			pin = found[0]
		}
		if ok && (len(found) != 1 || found[0] != pin) {
			t.Errorf("%s: renovate.json finds the Go versions %q, want [%q] (go.work's toolchain line)", rel, found, pin)
		}
	}
}

// renovateManagers are the file and match patterns of renovate.json's regex
// managers for one datasource.
type renovateManagers struct {
	datasource      string
	files, matchers []*regexp.Regexp
}

// readRenovate reads renovate.json's regex managers for datasource; there
// must be at least one, and the regex manager must be enabled.
func readRenovate(t *testing.T, datasource string) renovateManagers {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "renovate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg renovateConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("renovate.json: %v", err)
	}
	r := renovateManagers{datasource: datasource}
	for _, m := range cfg.CustomManagers {
		if m.CustomType != "regex" || m.DatasourceTemplate != datasource {
			continue
		}
		for _, p := range m.ManagerFilePatterns {
			r.files = append(r.files, jsRegexp(t, p))
		}
		for _, s := range m.MatchStrings {
			r.matchers = append(r.matchers, compile(t, s))
		}
	}
	if len(r.files) == 0 || len(r.matchers) == 0 {
		t.Fatalf("renovate.json has no regex manager for the %s datasource", datasource)
	}
	if !slices.Contains(cfg.EnabledManagers, "custom.regex") {
		t.Errorf("renovate.json: enabledManagers %q leaves out custom.regex", cfg.EnabledManagers)
	}
	return r
}

// find applies the managers to the file rel as Renovate does (a file
// pattern picks the file, each match string is applied to all of it) and
// returns every match as render gives it, sorted. ok is false, and the test
// marked failed, when no file pattern picks rel.
func (r renovateManagers) find(t *testing.T, rel string, render func(*regexp.Regexp, []string) string) (found []string, ok bool) {
	t.Helper()
	if !slices.ContainsFunc(r.files, func(re *regexp.Regexp) bool { return re.MatchString(rel) }) {
		t.Errorf("%s: no %s managerFilePatterns of renovate.json matches it", rel, r.datasource)
		return nil, false
	}
	content, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range r.matchers {
		for _, m := range re.FindAllStringSubmatch(string(content), -1) {
			found = append(found, render(re, m))
		}
	}
	slices.Sort(found)
	return found, true
}

// jsRegexp compiles a Renovate file pattern written as a /regex/.
func jsRegexp(t *testing.T, p string) *regexp.Regexp {
	t.Helper()
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] != '/' {
		t.Fatalf("renovate.json: file pattern %q: the test reads only /regex/ patterns", p)
	}
	return compile(t, p[1:len(p)-1])
}

func compile(t *testing.T, expr string) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile(expr)
	if err != nil {
		t.Fatalf("renovate.json: %v", err)
	}
	return re
}

func group(re *regexp.Regexp, m []string, name string) string {
	if i := re.SubexpIndex(name); i > 0 {
		return m[i]
	}
	return ""
}

// sourceLabels returns the OCI labels Dockerfile.<app> gives its flavour
// (stage runtime-alpine or runtime-scratch): the labels' one source.
func sourceLabels(t *testing.T, app, flavour string) map[string]string {
	t.Helper()
	path := filepath.Join(repoRoot, "Dockerfile."+app)
	f, err := dockerfile.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := f.Stage("runtime-" + flavour)
	if !ok {
		t.Fatalf("%s has no stage runtime-%s", path, flavour)
	}
	return s.Labels
}

// TestImageLabelSource checks the one source of the OCI labels: both
// flavours of a program carry the same labels, and .goreleaser.yaml sets no
// labels of its own and describes each image with its Dockerfile's words.
func TestImageLabelSource(t *testing.T) {
	descriptions := map[string]bool{}
	for _, app := range []string{"hello", "calculator"} {
		onAlpine, onScratch := sourceLabels(t, app, alpine.name), sourceLabels(t, app, scratch.name)
		if !maps.Equal(onAlpine, onScratch) {
			t.Errorf("Dockerfile.%s: runtime-alpine labels %q differ from runtime-scratch labels %q", app, onAlpine, onScratch)
		}
		want := map[string]string{
			"org.opencontainers.image.title":    app,
			"org.opencontainers.image.source":   sourceURL,
			"org.opencontainers.image.url":      sourceURL,
			"org.opencontainers.image.licenses": "MIT",
			"org.opencontainers.image.version":  "${VERSION}",
			"org.opencontainers.image.revision": "${COMMIT}",
			"org.opencontainers.image.created":  "${DATE}",
		}
		for key, value := range want {
			if onAlpine[key] != value {
				t.Errorf("Dockerfile.%s: label %s = %q, want %q", app, key, onAlpine[key], value)
			}
		}
		desc := onAlpine["org.opencontainers.image.description"]
		if desc == "" {
			t.Errorf("Dockerfile.%s: no org.opencontainers.image.description", app)
		}
		descriptions[desc] = true
	}

	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^\s+labels:.*$`).Find(data); m != nil {
		t.Errorf(".goreleaser.yaml: %q: the images' labels come from the Dockerfiles alone", strings.TrimSpace(string(m)))
	}
	// The index annotations cannot come from a Dockerfile: they must at
	// least say what the labels say.
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+org\.opencontainers\.image\.description:\s*(.+?)\s*$`).FindAllSubmatch(data, -1) {
		desc := strings.Trim(string(m[1]), `"'`)
		used[desc] = true
		if !descriptions[desc] {
			t.Errorf(".goreleaser.yaml: description %q is not a Dockerfile's (%q)", desc, slices.Sorted(maps.Keys(descriptions)))
		}
	}
	for desc := range descriptions {
		if !used[desc] {
			t.Errorf(".goreleaser.yaml: no annotation describes an image as %q", desc)
		}
	}
}
