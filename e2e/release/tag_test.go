package release

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// gitEnv makes git ignore the user's and the system's configuration (signing,
// hooks, default branch) and gives it an identity, so that the tests behave
// the same on every machine.
var gitEnv = []string{
	"GIT_CONFIG_GLOBAL=/dev/null",
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=release-e2e", "GIT_AUTHOR_EMAIL=release-e2e@localhost",
	"GIT_COMMITTER_NAME=release-e2e", "GIT_COMMITTER_EMAIL=release-e2e@localhost",
}

// gitRepo is a throwaway git repository for one test.
type gitRepo struct {
	t   *testing.T
	dir string
}

// git runs git in the repository and returns its trimmed output; a failure
// fails the test.
func (r gitRepo) git(args ...string) string {
	r.t.Helper()
	out, err := command.New("git", args...).In(r.dir).Env(gitEnv...).Output()
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// write creates or replaces a file of the repository.
func (r gitRepo) write(name, content string) {
	r.t.Helper()
	path := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// commit commits everything in the working tree (or nothing) with subject.
func (r gitRepo) commit(subject string) {
	r.t.Helper()
	r.git("add", "--all")
	r.git("commit", "--quiet", "--allow-empty", "-m", subject)
}

// goModEdit runs go mod edit on the go.mod of module directory dir.
func (r gitRepo) goModEdit(dir string, args ...string) {
	r.t.Helper()
	if _, err := command.New("go", append([]string{"mod", "edit"}, args...)...).In(filepath.Join(r.dir, dir)).Env("GOFLAGS=", "GOWORK=off").Output(); err != nil {
		r.t.Fatal(err)
	}
}

// tag creates annotated tags on HEAD.
func (r gitRepo) tag(names ...string) {
	r.t.Helper()
	for _, name := range names {
		r.git("tag", "-a", "-m", name, name)
	}
}

// tags returns every tag of the repository, sorted.
func (r gitRepo) tags() []string {
	r.t.Helper()
	out := r.git("tag", "--list")
	if out == "" {
		return nil
	}
	tags := strings.Split(out, "\n")
	slices.Sort(tags)
	return tags
}

// workModules returns the module directories go.work of the repository at
// root uses, such as "hello": the modules a release tags.
func workModules(t *testing.T, root string) []string {
	t.Helper()
	out, err := command.New("go", "work", "edit", "-json", "go.work").In(root).Env("GOFLAGS=", "GOWORK=").Output()
	if err != nil {
		t.Fatal(err)
	}
	var work struct{ Use []struct{ DiskPath string } }
	if err := json.Unmarshal([]byte(out), &work); err != nil {
		t.Fatalf("go work edit -json: %v", err)
	}
	var dirs []string
	for _, u := range work.Use {
		dirs = append(dirs, filepath.ToSlash(filepath.Clean(u.DiskPath)))
	}
	if len(dirs) == 0 {
		t.Fatal("go.work uses no module")
	}
	return dirs
}

// releaseTags returns the tags of release version: the release tag and one
// per module directory, sorted.
func releaseTags(version string, modules []string) []string {
	tags := []string{version}
	for _, dir := range modules {
		tags = append(tags, dir+"/"+version)
	}
	slices.Sort(tags)
	return tags
}

// repoRoot returns the root of the repository under test.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// untaggedClone makes dir a throwaway clone of the working tree at root
// (cloneWorkingTree) without any of root's tags, so that the only releases
// in it are the ones the test makes.
func untaggedClone(t *testing.T, root, dir string) gitRepo {
	t.Helper()
	r := gitRepo{t: t, dir: dir}
	if err := cloneWorkingTree(root, r.dir); err != nil {
		t.Fatal(err)
	}
	if tags := r.tags(); len(tags) > 0 {
		r.git(append([]string{"tag", "--delete"}, tags...)...)
	}
	return r
}

// newTagRepo returns a throwaway repository holding what scripts/tag.sh
// reads from the real one (the script, the Makefile, go.work and the
// modules' go.mod files), committed once.
func newTagRepo(t *testing.T) (gitRepo, []string) {
	t.Helper()
	root := repoRoot(t)
	modules := workModules(t, root)
	r := gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "--quiet", "--initial-branch=main")
	for _, name := range append([]string{"scripts/tag.sh", "Makefile", "go.work"}, goMods(modules)...) {
		if _, err := copyEntry(filepath.Join(root, name), filepath.Join(r.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	r.commit("feat: first")
	return r, modules
}

func goMods(modules []string) []string {
	var names []string
	for _, dir := range modules {
		names = append(names, dir+"/go.mod")
	}
	return names
}

// runTag runs scripts/tag.sh of the repository with args.
func runTag(t *testing.T, r gitRepo, args ...string) command.Result {
	t.Helper()
	return runExit(t, r.dir, filepath.Join(r.dir, "scripts", "tag.sh"), args...)
}

// release tags HEAD with version as a maintainer does, with scripts/tag.sh;
// a refusal fails the test.
func (r gitRepo) release(version string) {
	r.t.Helper()
	if res := runTag(r.t, r, version); res.Code != 0 {
		r.t.Fatalf("scripts/tag.sh %s: exit %d: %s", version, res.Code, res.Stderr)
	}
}

// runExit runs a command with gitEnv, logs what it printed and returns how
// it ended; only a command that cannot start (or hangs) fails the test.
func runExit(t *testing.T, dir, name string, args ...string) command.Result {
	t.Helper()
	res := command.New(name, args...).In(dir).Env(gitEnv...).Timeout(time.Minute).Run(t)
	t.Logf("%s %q: stdout:\n%s\nstderr:\n%s", filepath.Base(name), args, res.Stdout, res.Stderr)
	return res
}

// pushCommands returns the push commands scripts/tag.sh prints for version:
// one, unless GitHub's limit of three tags per push (beyond which it starts
// no workflow) splits them into the release tag alone, then the module tags
// by three.
func pushCommands(version string, modules []string) string {
	tags := []string{version}
	for _, dir := range modules {
		tags = append(tags, dir+"/"+version)
	}
	if len(tags) <= 3 {
		return "  git push origin " + strings.Join(tags, " ") + "\n"
	}
	out := "  git push origin " + version + "\n"
	for rest := tags[1:]; len(rest) > 0; rest = rest[min(3, len(rest)):] {
		out += "  git push origin " + strings.Join(rest[:min(3, len(rest))], " ") + "\n"
	}
	return out
}

// TestTagScript runs scripts/tag.sh on throwaway repositories: each success
// must create exactly the lockstep tags, annotated, on HEAD; each refusal must
// exit 2, say why, and create no tag.
func TestTagScript(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		command.Unavailable(t, "git not found in PATH")
	}

	// lockstep prepares a release's tags on HEAD, as the script makes them.
	lockstep := func(versions ...string) func(gitRepo, []string) {
		return func(r gitRepo, modules []string) {
			for _, v := range versions {
				r.tag(releaseTags(v, modules)...)
			}
		}
	}
	then := func(steps ...func(gitRepo, []string)) func(gitRepo, []string) {
		return func(r gitRepo, modules []string) {
			for _, step := range steps {
				step(r, modules)
			}
		}
	}
	commit := func(r gitRepo, _ []string) { r.commit("fix: next") }
	setModulePath := func(suffix string) func(gitRepo, []string) {
		return func(r gitRepo, modules []string) {
			for _, dir := range modules {
				r.goModEdit(dir, "-module", "github.com/go-multistage/multistage/"+dir+suffix)
			}
			r.commit("feat!: module paths" + suffix)
		}
	}

	tests := []struct {
		name    string
		prepare func(gitRepo, []string)
		args    []string
		// For a success: the versions whose tags must be on HEAD.
		onHead []string
		// For a refusal: what standard error must say.
		refusal string
	}{
		{name: "first release", args: []string{"v1.2.3"}, onHead: []string{"v1.2.3"}},
		{name: "first release v0", args: []string{"v0.1.0"}, onHead: []string{"v0.1.0"}},
		{name: "patch after a release", prepare: then(lockstep("v1.2.3"), commit), args: []string{"v1.2.4"}, onHead: []string{"v1.2.4"}},
		{name: "minor compares as a number", prepare: then(lockstep("v1.9.0"), commit), args: []string{"v1.10.0"}, onHead: []string{"v1.10.0"}},
		{name: "release candidate", prepare: then(lockstep("v1.2.3"), commit), args: []string{"v1.3.0-rc.1"}, onHead: []string{"v1.3.0-rc.1"}},
		{name: "promote the candidate on its commit", prepare: lockstep("v1.3.0-rc.1"), args: []string{"v1.3.0"}, onHead: []string{"v1.3.0-rc.1", "v1.3.0"}},
		{name: "rc.10 after rc.9", prepare: lockstep("v1.3.0-rc.9"), args: []string{"v1.3.0-rc.10"}, onHead: []string{"v1.3.0-rc.9", "v1.3.0-rc.10"}},
		{name: "rc after beta", prepare: lockstep("v1.3.0-beta.2"), args: []string{"v1.3.0-rc.1"}, onHead: []string{"v1.3.0-beta.2", "v1.3.0-rc.1"}},
		{name: "longer prerelease ranks higher", prepare: lockstep("v1.3.0-rc"), args: []string{"v1.3.0-rc.1"}, onHead: []string{"v1.3.0-rc", "v1.3.0-rc.1"}},
		{
			name: "other tags do not count",
			prepare: func(r gitRepo, _ []string) {
				r.tag("nightly", "v9-old", "docs/v9.0.0", "release-9.0.0")
			},
			args: []string{"v1.0.0"}, onHead: []string{"v1.0.0"},
		},
		{
			name: "a fourth module: the push is split",
			prepare: func(r gitRepo, _ []string) {
				r.write("web/go.mod", "module github.com/go-multistage/multistage/web\n\ngo 1.26\n")
				if _, err := command.New("go", "work", "edit", "-use=./web").In(r.dir).Env("GOFLAGS=", "GOWORK=").Output(); err != nil {
					r.t.Fatal(err)
				}
				r.commit("feat: web module")
			},
			args: []string{"v1.0.0"}, onHead: []string{"v1.0.0"},
		},
		{name: "v2 with /v2 module paths", prepare: then(lockstep("v1.4.0"), setModulePath("/v2")), args: []string{"v2.0.0"}, onHead: []string{"v2.0.0"}},

		{name: "no version", args: nil, refusal: "usage: scripts/tag.sh"},
		{name: "two versions", args: []string{"v1.2.3", "v1.2.4"}, refusal: "usage: scripts/tag.sh"},
		{name: "no leading v", args: []string{"1.2.3"}, refusal: "not a semantic version with a leading v"},
		{name: "capital V", args: []string{"V1.2.3"}, refusal: "not a semantic version"},
		{name: "empty", args: []string{""}, refusal: "not a semantic version"},
		{name: "two parts", args: []string{"v1.2"}, refusal: "not a semantic version"},
		{name: "four parts", args: []string{"v1.2.3.4"}, refusal: "not a semantic version"},
		{name: "leading zero", args: []string{"v1.02.3"}, refusal: "not a semantic version"},
		{name: "leading zero in a numeric prerelease", args: []string{"v1.2.3-rc.01"}, refusal: "not a semantic version"},
		{name: "empty prerelease", args: []string{"v1.2.3-"}, refusal: "not a semantic version"},
		{name: "empty prerelease identifier", args: []string{"v1.2.3-rc..1"}, refusal: "not a semantic version"},
		{name: "space", args: []string{" v1.2.3"}, refusal: "not a semantic version"},
		{name: "trailing newline", args: []string{"v1.2.3\n"}, refusal: "not a semantic version"},
		{name: "module tag as version", args: []string{"hello/v1.2.3"}, refusal: "not a semantic version"},
		{name: "build metadata", args: []string{"v1.2.3+build.1"}, refusal: "build metadata"},
		{
			name:    "modified tracked file",
			prepare: func(r gitRepo, _ []string) { r.write("go.work", "go 1.26\n") },
			args:    []string{"v1.2.3"}, refusal: "working tree is not clean",
		},
		{
			name: "staged change",
			prepare: func(r gitRepo, _ []string) {
				r.write("NEW", "x\n")
				r.git("add", "NEW")
			},
			args: []string{"v1.2.3"}, refusal: "working tree is not clean",
		},
		{
			name:    "untracked file",
			prepare: func(r gitRepo, _ []string) { r.write("notes.txt", "x\n") },
			args:    []string{"v1.2.3"}, refusal: "working tree is not clean",
		},
		{name: "same version again", prepare: then(lockstep("v1.2.3"), commit), args: []string{"v1.2.3"}, refusal: "tag v1.2.3 exists already"},
		{
			name: "module tag exists, lightweight",
			prepare: func(r gitRepo, modules []string) {
				r.git("tag", modules[len(modules)-1]+"/v1.2.3")
			},
			args: []string{"v1.2.3"}, refusal: "/v1.2.3 exists already",
		},
		{name: "older patch", prepare: then(lockstep("v1.2.3"), commit), args: []string{"v1.2.2"}, refusal: "not greater than the newest release tag, v1.2.3"},
		{name: "lower minor as a number", prepare: then(lockstep("v1.10.0"), commit), args: []string{"v1.9.9"}, refusal: "not greater than the newest release tag, v1.10.0"},
		{name: "candidate after its release", prepare: then(lockstep("v1.3.0"), commit), args: []string{"v1.3.0-rc.2"}, refusal: "not greater than the newest release tag, v1.3.0"},
		{name: "rc.2 after rc.10", prepare: then(lockstep("v1.3.0-rc.10"), commit), args: []string{"v1.3.0-rc.2"}, refusal: "not greater than the newest release tag, v1.3.0-rc.10"},
		{name: "beta after rc", prepare: lockstep("v1.3.0-rc.1"), args: []string{"v1.3.0-beta.5"}, refusal: "not greater than the newest release tag, v1.3.0-rc.1"},
		{name: "numeric prerelease below alphanumeric", prepare: lockstep("v1.3.0-alpha"), args: []string{"v1.3.0-1"}, refusal: "not greater than the newest release tag, v1.3.0-alpha"},
		{
			name: "a module's newer tag counts",
			prepare: func(r gitRepo, modules []string) {
				r.tag(modules[0] + "/v1.5.0")
			},
			args: []string{"v1.4.0"}, refusal: "/v1.5.0",
		},
		{name: "v2 without /v2 module paths", prepare: lockstep("v1.4.0"), args: []string{"v2.0.0"}, refusal: "to end in /v2"},
		{name: "v1 with /v2 module paths", prepare: setModulePath("/v2"), args: []string{"v1.0.0"}, refusal: "ends in /v2"},
		{
			name: "replace directive",
			prepare: func(r gitRepo, modules []string) {
				r.goModEdit(modules[0], "-replace", "example.com/x=../x")
				r.commit("build: replace")
			},
			args: []string{"v1.2.3"}, refusal: "replace or exclude directives",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, modules := newTagRepo(t)
			if tt.prepare != nil {
				tt.prepare(r, modules)
			}
			before := r.tags()
			res := runTag(t, r, tt.args...)
			code, stderr := res.Code, res.Stderr
			if tt.refusal != "" {
				if code != 2 {
					t.Errorf("exit code %d, want 2 (refusal)", code)
				}
				if !strings.Contains(stderr, tt.refusal) {
					t.Errorf("standard error %q does not say %q", stderr, tt.refusal)
				}
				if after := r.tags(); !slices.Equal(after, before) {
					t.Errorf("tags changed on refusal: %q -> %q", before, after)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit code %d, want 0; standard error: %s", code, stderr)
			}
			modules = workModules(t, r.dir)
			version := tt.args[0]
			if want := pushCommands(version, modules); !strings.Contains(res.Stdout, want) {
				t.Errorf("standard output does not tell how to push:\n%s\nwant:\n%s", res.Stdout, want)
			}
			want := before
			for _, v := range tt.onHead {
				want = append(want, releaseTags(v, modules)...)
			}
			want = slices.Compact(slices.Sorted(slices.Values(want)))
			if got := r.tags(); !slices.Equal(got, want) {
				t.Errorf("tags = %q, want %q", got, want)
			}
			head := r.git("rev-parse", "HEAD")
			for _, tag := range releaseTags(version, modules) {
				if typ := r.git("cat-file", "-t", "refs/tags/"+tag); typ != "tag" {
					t.Errorf("%s is a %s, want an annotated tag", tag, typ)
				}
				if at := r.git("rev-parse", tag+"^{commit}"); at != head {
					t.Errorf("%s points at %s, want HEAD %s", tag, at, head)
				}
				if msg := r.git("tag", "--list", "--format=%(contents:subject)", tag); !strings.Contains(msg, "Release "+version) {
					t.Errorf("%s message %q does not name the release", tag, msg)
				}
			}
		})
	}
}

// TestMakeTag checks the make target: it tags with VERSION and, without it,
// refuses rather than tagging the Makefile's default (git describe) version.
func TestMakeTag(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			command.Unavailable(t, "%s not found in PATH", tool)
		}
	}
	r, modules := newTagRepo(t)
	r.tag(releaseTags("v1.2.3", modules)...)
	r.commit("fix: after v1.2.3")

	if res := runExit(t, r.dir, "make", "--no-print-directory", "tag"); res.Code == 0 || !strings.Contains(res.Stderr, "usage: make tag VERSION=") {
		t.Errorf("make tag without VERSION: exit %d, standard error %q; want a usage error", res.Code, res.Stderr)
	}
	if res := runExit(t, r.dir, "make", "--no-print-directory", "tag", "VERSION=v1.2.2"); res.Code == 0 {
		t.Errorf("make tag VERSION=v1.2.2 after v1.2.3 succeeded")
	}
	if got, want := r.tags(), releaseTags("v1.2.3", modules); !slices.Equal(got, want) {
		t.Fatalf("refused make tag changed the tags: %q, want %q", got, want)
	}
	if res := runExit(t, r.dir, "make", "--no-print-directory", "tag", "VERSION=v1.2.4"); res.Code != 0 {
		t.Fatalf("make tag VERSION=v1.2.4: exit %d: %s", res.Code, res.Stderr)
	}
	want := slices.Sorted(slices.Values(append(releaseTags("v1.2.3", modules), releaseTags("v1.2.4", modules)...)))
	if got := r.tags(); !slices.Equal(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}

	// Local builds take their version from git describe, which must pick
	// the release tag, not a module tag on the same commit.
	out, err := command.New("make", "--no-print-directory", "-n", "build-"+modules[0]).In(r.dir).Env(gitEnv...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "buildinfo.Version=v1.2.4 ") {
		t.Errorf("make build stamps another version than v1.2.4:\n%s", out)
	}
}
