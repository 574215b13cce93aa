package lockstep

import (
	"fmt"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Module is one module of go.work, as a release tags it.
type Module struct {
	Dir  string // its directory relative to the repository, such as "hello"
	Path string // its module path
	// Rewrites is set when its go.mod has replace or exclude directives,
	// which make `go install path@version` refuse the module.
	Rewrites bool
}

// ParseModules returns the modules that go.work (its content work) uses,
// reading each one's go.mod with readFile, which takes a slash path relative
// to the repository.
func ParseModules(work []byte, readFile func(name string) ([]byte, error)) ([]Module, error) {
	wf, err := modfile.ParseWork("go.work", work, nil)
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, use := range wf.Use {
		dir := strings.TrimSuffix(strings.TrimPrefix(use.Path, "./"), "/")
		if dir == "" || dir == "." {
			return nil, fmt.Errorf("go.work uses the repository root as a module; its tags would be plain vX.Y.Z, which the release tag takes")
		}
		name := dir + "/go.mod"
		data, err := readFile(name)
		if err != nil {
			return nil, fmt.Errorf("go.work uses %s: %w", dir, err)
		}
		mf, err := modfile.Parse(name, data, nil)
		if err != nil {
			return nil, err
		}
		if mf.Module == nil {
			return nil, fmt.Errorf("%s has no module line", name)
		}
		mods = append(mods, Module{Dir: dir, Path: mf.Module.Mod.Path, Rewrites: len(mf.Replace) > 0 || len(mf.Exclude) > 0})
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("go.work uses no module")
	}
	return mods, nil
}

// CheckModules refuses a release of version when a module path does not
// carry its major version (v2 and later need the /vN suffix, v0 and v1 must
// not have one) or a go.mod has replace or exclude directives.
func CheckModules(version string, mods []Module) error {
	major := semver.Major(version)
	for _, m := range mods {
		_, suffix, ok := module.SplitPathVersion(m.Path)
		if !ok {
			return refuse("%s/go.mod: module path %s is not a valid module path", m.Dir, m.Path)
		}
		suffix = strings.TrimPrefix(suffix, "/")
		switch {
		case major != "v0" && major != "v1" && suffix != major:
			return refuse(`%s needs the module path of %s/go.mod to end in /%s (it is %s); see tools/README.md, "A v2 of a module"`, version, m.Dir, major, m.Path)
		case (major == "v0" || major == "v1") && suffix != "":
			return refuse("%s is %s, but the module path in %s/go.mod ends in /%s (%s)", version, major, m.Dir, suffix, m.Path)
		case m.Rewrites:
			return refuse("%s/go.mod has replace or exclude directives: go install %s@%s would refuse the module", m.Dir, m.Path, version)
		}
	}
	return nil
}

// Tags returns the tags of release version: version itself, then DIR/version
// for each module, in the order of go.work.
func Tags(version string, mods []Module) []string {
	tags := []string{version}
	for _, m := range mods {
		tags = append(tags, m.Dir+"/"+version)
	}
	return tags
}
