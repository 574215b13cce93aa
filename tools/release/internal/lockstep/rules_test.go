package lockstep

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		version string
		refusal string // "" for a valid version
	}{
		{"v1.2.3", ""},
		{"v0.1.0", ""},
		{"v1.3.0-rc.1", ""},
		{"v1.3.0-rc.10", ""},
		{"v2.0.0", ""},
		{"1.2.3", "not a semantic version with a leading v"},
		{"V1.2.3", "not a semantic version"},
		{"", "not a semantic version"},
		{"v1", "not a semantic version"},
		{"v1.2", "not a semantic version"},
		{"v1.2.3.4", "not a semantic version"},
		{"v1.02.3", "not a semantic version"},
		{"v1.2.3-rc.01", "not a semantic version"},
		{"v1.2.3-", "not a semantic version"},
		{"v1.2.3-rc..1", "not a semantic version"},
		{" v1.2.3", "not a semantic version"},
		{"v1.2.3\n", "not a semantic version"},
		{"hello/v1.2.3", "not a semantic version"},
		{"v1.2.3+build.1", "build metadata"},
	}
	for _, tt := range tests {
		err := CheckVersion(tt.version)
		checkRefusal(t, fmt.Sprintf("CheckVersion(%q)", tt.version), err, tt.refusal)
	}
}

var twoModules = []Module{{Dir: "calculator", Path: "example.com/m/calculator"}, {Dir: "hello", Path: "example.com/m/hello"}}

// lockstep returns the tags of the releases versions, as Tag makes them.
func lockstep(versions ...string) []string {
	var tags []string
	for _, v := range versions {
		tags = append(tags, Tags(v, twoModules)...)
	}
	return tags
}

func TestCheckNewer(t *testing.T) {
	tests := []struct {
		name    string
		tags    []string
		version string
		refusal string
	}{
		{"first release", nil, "v1.2.3", ""},
		{"patch", lockstep("v1.2.3"), "v1.2.4", ""},
		{"minor compares as a number", lockstep("v1.9.0"), "v1.10.0", ""},
		{"release candidate", lockstep("v1.2.3"), "v1.3.0-rc.1", ""},
		{"final after its candidate", lockstep("v1.3.0-rc.1"), "v1.3.0", ""},
		{"rc.10 after rc.9", lockstep("v1.3.0-rc.9"), "v1.3.0-rc.10", ""},
		{"rc after beta", lockstep("v1.3.0-beta.2"), "v1.3.0-rc.1", ""},
		{"longer prerelease ranks higher", lockstep("v1.3.0-rc"), "v1.3.0-rc.1", ""},
		{"other tags do not count", []string{"nightly", "v9-old", "docs/v9.0.0", "release-9.0.0"}, "v1.0.0", ""},
		{"patch of an older line", lockstep("v1.1.8", "v1.2.3"), "v1.1.9", ""},
		{"patch of an older line after its candidate", lockstep("v1.1.8", "v1.2.3", "v1.1.9-rc.1"), "v1.1.9", ""},
		{"candidate of an older line", lockstep("v1.1.8", "v1.2.3"), "v1.1.9-rc.1", ""},
		{"patch of an older major's line", lockstep("v1.4.0", "v2.0.0"), "v1.4.1", ""},

		{"same version", lockstep("v1.2.3"), "v1.2.3", "not greater than the newest release tag, v1.2.3"},
		{"older patch", lockstep("v1.2.3"), "v1.2.2", "not greater than the newest release tag, v1.2.3"},
		{"lower minor as a number", lockstep("v1.10.0"), "v1.9.9", "not greater than the newest release tag, v1.10.0"},
		{"candidate after its release", lockstep("v1.3.0"), "v1.3.0-rc.2", "not greater than the newest release tag, v1.3.0"},
		{"rc.2 after rc.10", lockstep("v1.3.0-rc.10"), "v1.3.0-rc.2", "not greater than the newest release tag, v1.3.0-rc.10"},
		{"beta after rc", lockstep("v1.3.0-rc.1"), "v1.3.0-beta.5", "not greater than the newest release tag, v1.3.0-rc.1"},
		{"numeric prerelease below alphanumeric", lockstep("v1.3.0-alpha"), "v1.3.0-1", "not greater than the newest release tag, v1.3.0-alpha"},
		{"a module's newer tag counts", []string{"hello/v1.5.0"}, "v1.4.0", "not greater than the newest release tag, hello/v1.5.0"},
		{"older line at or below its newest", lockstep("v1.1.8", "v1.2.3"), "v1.1.8", "not greater than v1.1.8, the newest release of line v1.1"},
		{"older line below its candidate", lockstep("v1.1.8", "v1.2.3", "v1.1.9-rc.2"), "v1.1.9-rc.1", "not greater than v1.1.9-rc.2, the newest release of line v1.1"},
		{"new line below the newest", lockstep("v1.2.3"), "v1.1.0", "not greater than the newest release tag, v1.2.3"},
		{"older line of candidates only", lockstep("v1.1.0-rc.1", "v1.2.3"), "v1.1.0", "line v1.1 has no release to patch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefusal(t, "CheckNewer("+tt.version+")", CheckNewer(tt.version, tt.tags, twoModules), tt.refusal)
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		tags    []string // besides the version's own
		version string
		want    Moves
	}{
		{"first release", nil, "v1.2.3", Moves{Latest: true, Line: true, Newest: "v1.2.3"}},
		{"newer patch", lockstep("v1.2.3"), "v1.2.4", Moves{Latest: true, Line: true, Newest: "v1.2.4"}},
		{"patch of an older line", lockstep("v1.1.8", "v1.2.3"), "v1.1.9", Moves{Line: true, Newest: "v1.2.3"}},
		{"older major", lockstep("v2.0.0"), "v1.4.1", Moves{Line: true, Newest: "v2.0.0"}},
		{"a newer candidate does not hold latest", lockstep("v1.2.3", "v1.3.0-rc.1"), "v1.2.4", Moves{Latest: true, Line: true, Newest: "v1.2.4"}},
		{"candidate", lockstep("v1.2.3"), "v1.3.0-rc.1", Moves{Newest: "v1.2.3"}},
		{"candidate, no release yet", nil, "v1.3.0-rc.1", Moves{}},
		{"final on its candidate's commit", lockstep("v1.3.0-rc.1"), "v1.3.0", Moves{Latest: true, Line: true, Newest: "v1.3.0"}},
		{"module tags do not count", []string{"hello/v9.0.0"}, "v1.0.0", Moves{Latest: true, Line: true, Newest: "v1.0.0"}},
		{"re-run of an older release", lockstep("v1.2.3", "v1.2.4"), "v1.2.3", Moves{Newest: "v1.2.4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tags := append(lockstep(tt.version), tt.tags...)
			if got := Decide(tt.version, tags); got != tt.want {
				t.Errorf("Decide(%s) = %+v, want %+v", tt.version, got, tt.want)
			}
		})
	}
}

func TestCheckModules(t *testing.T) {
	v2 := []Module{{Dir: "hello", Path: "example.com/m/hello/v2"}}
	tests := []struct {
		name    string
		version string
		mods    []Module
		refusal string
	}{
		{"v1", "v1.2.3", twoModules, ""},
		{"v0", "v0.1.0", twoModules, ""},
		{"v2 with /v2", "v2.0.0", v2, ""},
		{"v2 without /v2", "v2.0.0", twoModules, "to end in /v2"},
		{"v3 with /v2", "v3.0.0", v2, "to end in /v3"},
		{"v1 with /v2", "v1.0.0", v2, "ends in /v2"},
		{"replace or exclude", "v1.2.3", []Module{{Dir: "hello", Path: "example.com/m/hello", Rewrites: true}}, "replace or exclude directives"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefusal(t, "CheckModules", CheckModules(tt.version, tt.mods), tt.refusal)
		})
	}
}

func TestParseModules(t *testing.T) {
	files := map[string]string{
		"hello/go.mod":      "module example.com/m/hello\n\ngo 1.26\n",
		"calculator/go.mod": "module example.com/m/calculator\n\ngo 1.26\n\nreplace example.com/x => ../x\n",
	}
	read := func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, errNotFound(name)
		}
		return []byte(s), nil
	}
	mods, err := ParseModules([]byte("go 1.26\n\nuse (\n\t./calculator\n\t./hello/\n)\n"), read)
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{{Dir: "calculator", Path: "example.com/m/calculator", Rewrites: true}, {Dir: "hello", Path: "example.com/m/hello"}}
	if !slices.Equal(mods, want) {
		t.Errorf("ParseModules = %+v, want %+v", mods, want)
	}
	for _, work := range []string{"go 1.26\n", "go 1.26\nuse .\n", "go 1.26\nuse ./web\n", "use (\n"} {
		if _, err := ParseModules([]byte(work), read); err == nil {
			t.Errorf("ParseModules(%q) succeeded", work)
		}
	}
}

func TestPushCommands(t *testing.T) {
	tests := []struct {
		tags []string
		want []string
	}{
		{[]string{"v1.0.0", "a/v1.0.0", "b/v1.0.0"}, []string{"git push origin v1.0.0 a/v1.0.0 b/v1.0.0"}},
		{[]string{"v1.0.0", "a/v1.0.0", "b/v1.0.0", "c/v1.0.0"}, []string{"git push origin v1.0.0", "git push origin a/v1.0.0 b/v1.0.0 c/v1.0.0"}},
		{
			[]string{"v1.0.0", "a/v1.0.0", "b/v1.0.0", "c/v1.0.0", "d/v1.0.0"},
			[]string{"git push origin v1.0.0", "git push origin a/v1.0.0 b/v1.0.0 c/v1.0.0", "git push origin d/v1.0.0"},
		},
	}
	for _, tt := range tests {
		if got := PushCommands(tt.tags); !slices.Equal(got, tt.want) {
			t.Errorf("PushCommands(%q) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}

// checkRefusal fails the test unless err is nil where refusal is empty, or a
// Refusal that says refusal.
func checkRefusal(t *testing.T, call string, err error, refusal string) {
	t.Helper()
	switch {
	case refusal == "" && err != nil:
		t.Errorf("%s: %v, want success", call, err)
	case refusal != "" && err == nil:
		t.Errorf("%s succeeded, want a refusal saying %q", call, refusal)
	case refusal != "" && (!IsRefusal(err) || !strings.Contains(err.Error(), refusal)):
		t.Errorf("%s: %v (refusal: %t), want a refusal saying %q", call, err, IsRefusal(err), refusal)
	}
}

type errNotFound string

func (e errNotFound) Error() string { return string(e) + ": not found" }
