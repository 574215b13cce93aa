package lockstep

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testRepo is a throwaway repository with go.work and two modules, committed
// once, and git set up to ignore the user's configuration.
func testRepo(t *testing.T) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git not found in PATH")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, k := range []string{"AUTHOR", "COMMITTER"} {
		t.Setenv("GIT_"+k+"_NAME", "lockstep-test")
		t.Setenv("GIT_"+k+"_EMAIL", "lockstep-test@localhost")
	}
	dir := t.TempDir()
	r := &Repo{Root: dir}
	write(t, r, "go.work", "go 1.26\n\nuse (\n\t./calculator\n\t./hello\n)\n")
	write(t, r, "hello/go.mod", "module example.com/m/hello\n\ngo 1.26\n")
	write(t, r, "calculator/go.mod", "module example.com/m/calculator\n\ngo 1.26\n")
	mustGit(t, r, "init", "--quiet", "--initial-branch=main")
	commit(t, r, "feat: first")
	return r
}

func write(t *testing.T, r *Repo, name, content string) {
	t.Helper()
	path := filepath.Join(r.Root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustGit(t *testing.T, r *Repo, args ...string) string {
	t.Helper()
	out, err := r.git(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func commit(t *testing.T, r *Repo, subject string) {
	t.Helper()
	mustGit(t, r, "add", "--all")
	mustGit(t, r, "commit", "--quiet", "--allow-empty", "-m", subject)
}

func tagList(t *testing.T, r *Repo) []string {
	t.Helper()
	tags, err := r.Tags()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(tags)
	return tags
}

func TestTag(t *testing.T) {
	r := testRepo(t)
	tags, err := r.Tag("v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"v1.2.3", "calculator/v1.2.3", "hello/v1.2.3"}
	if !slices.Equal(tags, want) {
		t.Errorf("Tag = %q, want %q", tags, want)
	}
	head := mustGit(t, r, "rev-parse", "HEAD")
	for _, tag := range want {
		if typ := mustGit(t, r, "cat-file", "-t", "refs/tags/"+tag); typ != "tag" {
			t.Errorf("%s is a %s, want an annotated tag", tag, typ)
		}
		if at := mustGit(t, r, "rev-parse", tag+"^{commit}"); at != head {
			t.Errorf("%s is on %s, want HEAD %s", tag, at, head)
		}
		if msg := mustGit(t, r, "tag", "--list", "--format=%(contents:subject)", tag); !strings.HasPrefix(msg, "Release v1.2.3") {
			t.Errorf("%s message %q does not name the release", tag, msg)
		}
	}
	if msg := mustGit(t, r, "tag", "--list", "--format=%(contents:subject)", "hello/v1.2.3"); msg != "Release v1.2.3: module hello" {
		t.Errorf("hello/v1.2.3 message %q, want %q", msg, "Release v1.2.3: module hello")
	}
}

// TestTagRefuses: each refusal says why and leaves the tags as they were.
func TestTagRefuses(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(*testing.T, *Repo)
		version string
		refusal string
	}{
		{"bad version", nil, "v1.2", "not a semantic version"},
		{"modified file", func(t *testing.T, r *Repo) { t.Helper(); write(t, r, "go.work", "go 1.26\n") }, "v1.2.3", "working tree is not clean"},
		{"staged file", func(t *testing.T, r *Repo) { t.Helper(); write(t, r, "NEW", "x\n"); mustGit(t, r, "add", "NEW") }, "v1.2.3", "working tree is not clean"},
		{"untracked file", func(t *testing.T, r *Repo) { t.Helper(); write(t, r, "notes.txt", "x\n") }, "v1.2.3", "working tree is not clean"},
		{"module tag exists, lightweight", func(t *testing.T, r *Repo) { t.Helper(); mustGit(t, r, "tag", "hello/v1.2.3") }, "v1.2.3", "tag hello/v1.2.3 exists already"},
		{"older patch", func(t *testing.T, r *Repo) { t.Helper(); mustGit(t, r, "tag", "v1.2.3"); commit(t, r, "fix: next") }, "v1.2.2", "not greater than the newest release tag, v1.2.3"},
		{"replace directive", func(t *testing.T, r *Repo) {
			t.Helper()
			write(t, r, "hello/go.mod", "module example.com/m/hello\n\ngo 1.26\n\nreplace example.com/x => ../x\n")
			commit(t, r, "build: replace")
		}, "v1.2.3", "replace or exclude directives"},
		{"v2 without /v2", nil, "v2.0.0", "to end in /v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRepo(t)
			if tt.prepare != nil {
				tt.prepare(t, r)
			}
			before := tagList(t, r)
			_, err := r.Tag(tt.version)
			checkRefusal(t, "Tag("+tt.version+")", err, tt.refusal)
			if after := tagList(t, r); !slices.Equal(after, before) {
				t.Errorf("tags changed on refusal: %q -> %q", before, after)
			}
		})
	}
}

// TestTagRollsBack: when git fails on the last tag, the ones made before it
// are deleted again.
func TestTagRollsBack(t *testing.T) {
	r := testRepo(t)
	lock := filepath.Join(r.Root, ".git", "refs", "tags", "hello", "v1.2.3.lock")
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := r.Tag("v1.2.3")
	if err == nil || IsRefusal(err) {
		t.Fatalf("Tag with a locked ref: %v, want a git failure", err)
	}
	if tags := tagList(t, r); len(tags) != 0 {
		t.Errorf("tags left after the failure: %q", tags)
	}
}

func TestCheck(t *testing.T) {
	r := testRepo(t)
	mustTag := func(v string) {
		t.Helper()
		if _, err := r.Tag(v); err != nil {
			t.Fatal(err)
		}
	}
	mustTag("v1.1.8")
	old := mustGit(t, r, "rev-parse", "HEAD")
	commit(t, r, "feat: next")
	mustTag("v1.2.3")

	m, err := r.Check("v1.2.3")
	if err != nil || m != (Moves{Latest: true, Line: true, Newest: "v1.2.3"}) {
		t.Errorf("Check(v1.2.3) = %+v, %v; want latest and line", m, err)
	}
	checkRefusal(t, "Check(v1.1.8) off HEAD", func() error { _, err := r.Check("v1.1.8"); return err }(), "not at HEAD")

	mustGit(t, r, "checkout", "--quiet", old)
	commit(t, r, "fix: backport")
	mustTag("v1.1.9")
	m, err = r.Check("v1.1.9")
	if err != nil || m != (Moves{Line: true, Newest: "v1.2.3"}) {
		t.Errorf("Check(v1.1.9) = %+v, %v; want line only, v1.2.3 newest", m, err)
	}

	commit(t, r, "fix: more")
	mustGit(t, r, "tag", "v1.1.10")
	checkRefusal(t, "Check without module tags", func() error { _, err := r.Check("v1.1.10"); return err }(), "has no module tag calculator/v1.1.10")
	mustGit(t, r, "tag", "calculator/v1.1.10")
	mustGit(t, r, "tag", "hello/v1.1.10", "HEAD~1")
	checkRefusal(t, "Check with a module tag elsewhere", func() error { _, err := r.Check("v1.1.10"); return err }(), "must be on one commit")
	checkRefusal(t, "Check of a missing tag", func() error { _, err := r.Check("v1.1.11"); return err }(), "tag v1.1.11 does not exist")
}
