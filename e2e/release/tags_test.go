package release

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// gitOnlySections are the top-level sections of .goreleaser.yaml that
// TestGoReleaserTags leaves out: everything that builds or packages a binary.
// What decides the version and the changelog (git, changelog, snapshot,
// release and the rest) stays as it is.
var gitOnlySections = map[string]bool{
	"before": true, "builds": true, "archives": true, "nfpms": true,
	"sboms": true, "dockers_v2": true,
}

// topLevelKey matches the first line of a top-level YAML section.
var topLevelKey = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*):`)

// versionConfig writes, to dir, .goreleaser.yaml of the repository at root
// without the sections that build anything (a `builds: [{skip: true}]`
// instead), so that a release run takes a second. It returns its path.
func versionConfig(t *testing.T, root, dir string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	dropping, sawGit := false, false
	for _, line := range strings.Split(string(src), "\n") {
		if m := topLevelKey.FindStringSubmatch(line); m != nil {
			dropping = gitOnlySections[m[1]]
			sawGit = sawGit || m[1] == "git"
			if m[1] == "builds" {
				out = append(out, "builds:", "  - skip: true")
			}
		}
		if !dropping {
			out = append(out, line)
		}
	}
	if !sawGit {
		t.Fatal(".goreleaser.yaml has no git: section; without it module tags and prereleases pick the wrong version")
	}
	path := filepath.Join(dir, "goreleaser-versions.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// releaseMeta is what one GoReleaser run decided: dist/metadata.json's
// version and tags, and dist/CHANGELOG.md ("" for a snapshot, which writes
// none).
type releaseMeta struct {
	Tag         string `json:"tag"`
	PreviousTag string `json:"previous_tag"`
	Version     string `json:"version"`
	changelog   string
}

// runVersionRelease runs the pinned GoReleaser's release (publishing nothing)
// in repo with config and returns what it decided. No GORELEASER_* tag
// override is passed on: the configuration alone must choose.
// pinnedGoReleaser returns the repository's root and the path of the
// GoReleaser tools/go.mod pins, built into the Go cache if it is not there
// yet. It skips the test with -short, as that build may take minutes.
func pinnedGoReleaser(t *testing.T) (root, goreleaser string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the pinned GoReleaser when the cache lacks it; skipped with -short")
	}
	root = repoRoot(t)
	goreleaser, err := command.New("go", "-C", "tools", "tool", "-n", "goreleaser").In(root).Env("GOWORK=off").Output()
	if err != nil {
		t.Fatalf("building the pinned GoReleaser: %v", err)
	}
	return root, goreleaser
}

func runVersionRelease(t *testing.T, goreleaser, repo, config string, snapshot bool) releaseMeta {
	t.Helper()
	args := []string{"release", "--clean", "--config", config, "--skip=publish,announce"}
	if snapshot {
		args = append(args, "--snapshot")
	}
	// No keys: the version config builds and signs nothing, and the apk
	// key TestMain sets would make .goreleaser.yaml's checksum step want
	// its public half (APK_PUBLIC_KEY_FILE).
	env := withoutEnv(os.Environ(), "GORELEASER_CURRENT_TAG", "GORELEASER_PREVIOUS_TAG", "GITHUB_TOKEN", "GORELEASER_FORCE_TOKEN",
		"APK_SIGNING_KEY_FILE", "APK_PUBLIC_KEY_FILE")
	out, err := command.New(goreleaser, args...).In(repo).OnlyEnv(env...).Env("NO_COLOR=1").Env(gitEnv...).Output()
	if err != nil {
		t.Fatalf("goreleaser %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var m releaseMeta
	if err := readJSON(filepath.Join(repo, "dist", "metadata.json"), &m); err != nil {
		t.Fatal(err)
	}
	if !snapshot {
		b, err := os.ReadFile(filepath.Join(repo, "dist", "CHANGELOG.md"))
		if err != nil {
			t.Fatalf("the release wrote no changelog: %v", err)
		}
		m.changelog = string(b)
	}
	return m
}

// TestGoReleaserTags proves the git: section of .goreleaser.yaml with the
// pinned GoReleaser, on a throwaway clone whose history has releases made by
// make tag (tools/release) (so module tags beside every release tag), a module tag of
// its own off the release line, candidates, and the promotion of a candidate
// on its commit. At each step the version, the current and previous tag and
// the changelog must be the expected ones, and the same as in a copy of the
// clone without any module tag.
func TestGoReleaserTags(t *testing.T) {
	t.Parallel() // before the build of GoReleaser, which may take minutes
	root, goreleaser := pinnedGoReleaser(t)
	tmp := t.TempDir()
	config := versionConfig(t, root, tmp)
	r := untaggedClone(t, root, filepath.Join(tmp, "repo"))
	modules := workModules(t, r.dir)

	r.commit("feat: first feature, in v1.2.2")
	r.release("v1.2.2")
	r.commit("feat: second feature, after v1.2.2")
	// A module tag of its own, as a hotfix of one module would leave: it
	// must not end the changelog of the next release.
	r.tag(modules[0] + "/v1.2.9")
	r.commit("feat: third feature, in v1.3.0-rc.1")
	r.release("v1.3.0-rc.1")
	r.commit("fix: fourth change, in v1.3.0-rc.2")
	r.release("v1.3.0-rc.2")

	steps := []struct {
		name     string
		prepare  func()
		snapshot bool
		want     releaseMeta
	}{
		{
			name: "second candidate",
			want: releaseMeta{Tag: "v1.3.0-rc.2", Version: "1.3.0-rc.2", PreviousTag: "v1.2.2"},
		},
		{
			name:    "candidate promoted on its commit",
			prepare: func() { r.release("v1.3.0") },
			want:    releaseMeta{Tag: "v1.3.0", Version: "1.3.0", PreviousTag: "v1.2.2"},
		},
		{
			name:     "snapshot after the release",
			prepare:  func() { r.commit("feat: fifth feature, after v1.3.0") },
			snapshot: true,
			want:     releaseMeta{Tag: "v1.3.0", Version: "1.3.1-SNAPSHOT-"},
		},
	}
	for i, step := range steps {
		if step.prepare != nil {
			step.prepare()
		}
		got := runVersionRelease(t, goreleaser, r.dir, config, step.snapshot)
		want := step.want
		if step.snapshot {
			want.Version += r.git("show", "--no-patch", "--format=%h", "HEAD")
		}
		if got.Tag != want.Tag || got.Version != want.Version || (!step.snapshot && got.PreviousTag != want.PreviousTag) {
			t.Errorf("%s: GoReleaser chose tag %q (previous %q), version %q; want %q (previous %q), %q",
				step.name, got.Tag, got.PreviousTag, got.Version, want.Tag, want.PreviousTag, want.Version)
		}
		if !step.snapshot {
			for _, subject := range []string{"second feature", "third feature", "fourth change"} {
				if !strings.Contains(got.changelog, subject) {
					t.Errorf("%s: the changelog lacks %q (everything since v1.2.2):\n%s", step.name, subject, got.changelog)
				}
			}
			if strings.Contains(got.changelog, "first feature") {
				t.Errorf("%s: the changelog lists a commit of v1.2.2:\n%s", step.name, got.changelog)
			}
		}

		// The same history without module tags must give the same answer.
		control := gitRepo{t: t, dir: filepath.Join(tmp, fmt.Sprintf("control-%d", i))}
		r.git("clone", "--quiet", "--no-hardlinks", r.dir, control.dir)
		control.git("remote", "set-url", "origin", dummyRemote)
		var moduleTags []string
		for _, tag := range control.tags() {
			if strings.Contains(tag, "/") {
				moduleTags = append(moduleTags, tag)
			}
		}
		control.git(append([]string{"tag", "--delete"}, moduleTags...)...)
		if plain := runVersionRelease(t, goreleaser, control.dir, config, step.snapshot); plain != got {
			t.Errorf("%s: module tags changed GoReleaser's decision:\nwith them:    %+v\nwithout them: %+v", step.name, got, plain)
		}
	}
}
