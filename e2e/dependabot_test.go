package e2e

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// dependabotFile is Dependabot's configuration.
const dependabotFile = ".github/dependabot.yml"

// goReleaserModule is pinned below its newest minor (tools/README.md).
const goReleaserModule = "github.com/goreleaser/goreleaser/v2"

// dependabotUpdate is the part of an updates entry of dependabot.yml the
// test reads.
type dependabotUpdate struct {
	Ecosystem   string   `json:"package-ecosystem"`
	Directory   string   `json:"directory"`
	Directories []string `json:"directories"`
	Allow       []struct {
		DependencyName string `json:"dependency-name"`
		DependencyType string `json:"dependency-type"`
	} `json:"allow"`
	Ignore []struct {
		DependencyName string   `json:"dependency-name"`
		UpdateTypes    []string `json:"update-types"`
	} `json:"ignore"`
}

// dirs returns the directory patterns of the entry.
func (u dependabotUpdate) dirs() []string {
	if u.Directory != "" {
		return append([]string{u.Directory}, u.Directories...)
	}
	return u.Directories
}

// allowsAll reports whether the entry updates indirect dependencies too.
func (u dependabotUpdate) allowsAll() bool {
	for _, a := range u.Allow {
		if a.DependencyType == "all" && a.DependencyName == "" {
			return true
		}
	}
	return false
}

// ignores reports whether the entry ignores the update type of module.
func (u dependabotUpdate) ignores(module, updateType string) bool {
	for _, ig := range u.Ignore {
		if ig.DependencyName == module && slices.Contains(ig.UpdateTypes, updateType) {
			return true
		}
	}
	return false
}

// goModule is what the test reads of one go.mod (go mod edit -json).
type goModule struct {
	Require []struct {
		Path     string
		Indirect bool
	}
	Tool []struct{ Path string }
}

// goModDirs returns the directories of the repository that hold a go.mod,
// as Dependabot names them ("/", "/tools/cosign"). testdata and hidden
// directories hold none of ours.
func goModDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && p != repoRoot && (strings.HasPrefix(name, ".") || name == "testdata" || name == "dist" || name == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && name == "go.mod" {
			rel, err := filepath.Rel(repoRoot, filepath.Dir(p))
			if err != nil {
				return err
			}
			dirs = append(dirs, path.Clean("/"+filepath.ToSlash(rel)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no go.mod in the repository")
	}
	return dirs
}

// readGoMod returns the requirements and tools of the go.mod in dir.
func readGoMod(t *testing.T, dir string) goModule {
	t.Helper()
	out, err := command.New("go", "mod", "edit", "-json").In(filepath.Join(repoRoot, filepath.FromSlash(dir))).Env("GOFLAGS=", "GOWORK=off").Output()
	if err != nil {
		t.Fatal(err)
	}
	var m goModule
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s/go.mod: go mod edit -json: %v", dir, err)
	}
	return m
}

// indirectTools returns the tools of m whose module go.mod marks
// "// indirect" (nothing of the module imports them), which Dependabot's
// default, direct dependencies only, never updates.
func indirectTools(m goModule) []string {
	var tools []string
	for _, tool := range m.Tool {
		provider := ""
		indirect := false
		for _, r := range m.Require {
			if (tool.Path == r.Path || strings.HasPrefix(tool.Path, r.Path+"/")) && len(r.Path) > len(provider) {
				provider, indirect = r.Path, r.Indirect
			}
		}
		if indirect {
			tools = append(tools, tool.Path)
		}
	}
	return tools
}

// TestDependabotCoversEveryModule checks .github/dependabot.yml against the
// go.mod files of the repository: each directory with a go.mod is in
// exactly one gomod entry, no entry names a directory without one, every
// module under tools/ (which only pins tools) and every module whose tool
// is an indirect requirement is updated with `allow: dependency-type: all`,
// and the entry of the module that pins GoReleaser keeps ignoring its minor
// and major releases. No Docker: make check runs it.
func TestDependabotCoversEveryModule(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, dependabotFile))
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		Updates []dependabotUpdate `json:"updates"`
	}
	if err := yaml.Unmarshal(raw, &config); err != nil {
		t.Fatalf("%s: %v", dependabotFile, err)
	}
	var gomod []dependabotUpdate
	for _, u := range config.Updates {
		if u.Ecosystem == "gomod" {
			gomod = append(gomod, u)
		}
	}
	if len(gomod) == 0 {
		t.Fatalf("%s has no gomod entry", dependabotFile)
	}

	modules := goModDirs(t)
	for i, u := range gomod {
		if len(u.dirs()) == 0 {
			t.Errorf("%s: gomod entry %d names no directory", dependabotFile, i+1)
		}
		for _, pattern := range u.dirs() {
			if _, err := path.Match(pattern, "/"); err != nil {
				t.Errorf("%s: gomod entry %d: directory %q: %v", dependabotFile, i+1, pattern, err)
				continue
			}
			if !slices.ContainsFunc(modules, func(dir string) bool { ok, _ := path.Match(path.Clean(pattern), dir); return ok }) {
				t.Errorf("%s: gomod entry %d names %s, which holds no go.mod", dependabotFile, i+1, pattern)
			}
		}
	}

	for _, dir := range modules {
		var covering []int
		for i, u := range gomod {
			if slices.ContainsFunc(u.dirs(), func(pattern string) bool { ok, _ := path.Match(path.Clean(pattern), dir); return ok }) {
				covering = append(covering, i)
			}
		}
		switch len(covering) {
		case 0:
			t.Errorf("%s/go.mod: no gomod entry of %s updates it; add %s to one", strings.TrimPrefix(dir, "/"), dependabotFile, dir)
			continue
		case 1:
		default:
			t.Errorf("%s/go.mod: gomod entries %v of %s all name it; Dependabot wants it in one", strings.TrimPrefix(dir, "/"), covering, dependabotFile)
			continue
		}
		u := gomod[covering[0]]
		m := readGoMod(t, dir)
		if tools := indirectTools(m); !u.allowsAll() && (len(tools) > 0 || dir == "/tools" || strings.HasPrefix(dir, "/tools/")) {
			t.Errorf("%s/go.mod pins tools (indirect: %q); its gomod entry must have `allow: [{dependency-type: all}]`, or Dependabot (direct dependencies only) never updates them",
				strings.TrimPrefix(dir, "/"), tools)
		}
		for _, r := range m.Require {
			if r.Path != goReleaserModule {
				continue
			}
			for _, typ := range []string{"version-update:semver-minor", "version-update:semver-major"} {
				if !u.ignores(goReleaserModule, typ) {
					t.Errorf("%s/go.mod pins GoReleaser, whose %s updates its gomod entry must ignore (tools/README.md)", strings.TrimPrefix(dir, "/"), typ)
				}
			}
		}
	}
}
