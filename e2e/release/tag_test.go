package release

import (
	"encoding/json"
	"fmt"
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

// commit commits everything in the working tree (or nothing) with subject.
func (r gitRepo) commit(subject string) {
	r.t.Helper()
	r.git("add", "--all")
	r.git("commit", "--quiet", "--allow-empty", "-m", subject)
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

// newTagRepo returns a throwaway repository holding what make tag reads
// from the real one (the Makefile, scripts/release.sh, tools/release,
// go.work and the modules' go.mod files), committed once.
func newTagRepo(t *testing.T) (gitRepo, []string) {
	t.Helper()
	root := repoRoot(t)
	modules := workModules(t, root)
	r := gitRepo{t: t, dir: t.TempDir()}
	r.git("init", "--quiet", "--initial-branch=main")
	if err := os.CopyFS(filepath.Join(r.dir, "tools", "release"), os.DirFS(filepath.Join(root, "tools", "release"))); err != nil {
		t.Fatal(err)
	}
	for _, name := range append([]string{"Makefile", "scripts/release.sh", "go.work"}, goMods(modules)...) {
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

// releaseTool is tools/release, built once for the tests that tag.
var releaseTool lazy[string]

// buildReleaseTool builds tools/release of the repository under test.
func buildReleaseTool() (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "release-tool-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "release")
	if _, err := command.New("go", "build", "-o", bin, ".").In(filepath.Join(root, "tools", "release")).Env("GOWORK=off").Output(); err != nil {
		return "", fmt.Errorf("building tools/release: %w", err)
	}
	return bin, nil
}

// release tags HEAD with version as make tag does (tools/release); a
// refusal fails the test.
func (r gitRepo) release(version string) {
	r.t.Helper()
	tool := releaseTool.get(r.t, "tagging needs tools/release", buildReleaseTool)
	if res := runExit(r.t, r.dir, tool, "tag", version); res.Code != 0 {
		r.t.Fatalf("release tag %s: exit %d: %s", version, res.Code, res.Stderr)
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

	// A patch of an older line: v1.1.9 on a branch from v1.1.8's commit,
	// after v1.2.x; v1.1.8 again and a new line below the newest are not.
	first := r.git("rev-list", "--max-parents=0", "HEAD")
	r.git("tag", "-a", "-m", "v1.1.8", "v1.1.8", first)
	newest := r.git("rev-parse", "HEAD")
	r.git("checkout", "--quiet", "-b", "release-1.1", first)
	r.commit("fix: backport")
	for version, refusal := range map[string]string{"v1.1.8": "exists already", "v1.0.1": "not greater than the newest release tag"} {
		if res := runExit(t, r.dir, "make", "--no-print-directory", "tag", "VERSION="+version); res.Code == 0 || !strings.Contains(res.Stderr, refusal) {
			t.Errorf("make tag VERSION=%s on the older line: exit %d, standard error %q; want a refusal saying %q", version, res.Code, res.Stderr, refusal)
		}
	}
	if res := runExit(t, r.dir, "make", "--no-print-directory", "tag", "VERSION=v1.1.9"); res.Code != 0 {
		t.Fatalf("make tag VERSION=v1.1.9 on the older line: exit %d: %s", res.Code, res.Stderr)
	}
	for _, tag := range releaseTags("v1.1.9", modules) {
		if at := r.git("rev-parse", tag+"^{commit}"); at != r.git("rev-parse", "HEAD") {
			t.Errorf("%s is on %s, want the backport commit", tag, at)
		}
	}
	r.git("checkout", "--quiet", newest)

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
