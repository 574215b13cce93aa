package release

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// changelogEntry is one line of dist/CHANGELOG.md: "* <sha> <subject>"
// under "### <group>".
type changelogEntry struct {
	group, sha, subject string
}

// changelogEntryLine matches an entry of the notes GoReleaser writes with
// use: git and abbrev: 7.
var changelogEntryLine = regexp.MustCompile(`^\* ([0-9a-f]{7}) (.*)$`)

// parseChangelog returns the entries of dist/CHANGELOG.md in the order they
// are written.
func parseChangelog(t *testing.T, notes string) []changelogEntry {
	t.Helper()
	var entries []changelogEntry
	group := ""
	for _, line := range strings.Split(notes, "\n") {
		if title, ok := strings.CutPrefix(line, "### "); ok {
			group = title
			continue
		}
		if m := changelogEntryLine.FindStringSubmatch(line); m != nil {
			if group == "" {
				t.Fatalf("changelog entry %q before any group:\n%s", line, notes)
			}
			entries = append(entries, changelogEntry{group: group, sha: m[1], subject: m[2]})
		}
	}
	return entries
}

// logEntry is one commit of a git log range.
type logEntry struct {
	sha, subject string
	time         int64 // committer time, Unix seconds
}

// gitLog returns the commits of revs as git log lists them, newest first.
func gitLog(r gitRepo, revs string) []logEntry {
	r.t.Helper()
	out := r.git("log", "--format=%h%x00%ct%x00%s", "--abbrev=7", revs)
	var log []logEntry
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, "\x00", 3)
		sec, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			r.t.Fatal(err)
		}
		log = append(log, logEntry{sha: f[0], time: sec, subject: f[2]})
	}
	return log
}

// changelogRelease tags HEAD of r as version and returns the entries of the
// changelog the pinned GoReleaser writes for it.
func changelogRelease(t *testing.T, goreleaser, config string, r gitRepo, version string) []changelogEntry {
	t.Helper()
	r.tag(version)
	got := runVersionRelease(t, goreleaser, r.dir, config, false)
	if got.Tag != version {
		t.Fatalf("GoReleaser released %q, want %q", got.Tag, version)
	}
	return parseChangelog(t, got.changelog)
}

// conventional commit subjects as the tests read them, independent of the
// configuration under test.
var (
	droppedSubject = regexp.MustCompile(`^((test|style)(\([^)]+\))?!?:|Merge (pull request|branch) )`)
	fixOrFeat      = regexp.MustCompile(`^(fix|feat)(\([^)]+\))?(!?):`)
)

// TestChangelog proves the changelog: section of .goreleaser.yaml with the
// pinned GoReleaser: the filters and groups look at the start of the commit
// subject only (a fix whose subject mentions test(...) is kept, a docs
// commit that mentions feat: is documentation), tests, style and merge
// commits are dropped, and each group lists its commits newest first, as
// git log does. It runs on a fixture history and on the repository's own
// recent history.
func TestChangelog(t *testing.T) {
	t.Parallel()
	root, goreleaser := pinnedGoReleaser(t)
	tmp := t.TempDir()
	config := versionConfig(t, root, tmp)
	r := untaggedClone(t, root, filepath.Join(tmp, "repo"))

	t.Run("own history", func(t *testing.T) {
		r := gitRepo{t: t, dir: r.dir}
		const last = 60
		n, err := strconv.Atoi(r.git("rev-list", "--count", "--first-parent", "HEAD"))
		if err != nil {
			t.Fatal(err)
		}
		if n < 2 {
			t.Skip("the repository has a single commit")
		}
		base := fmt.Sprintf("HEAD~%d", min(last, n-1))
		r.git("tag", "-a", "-m", "v0.1.0", "v0.1.0", base)
		entries := changelogRelease(t, goreleaser, config, r, "v0.2.0")
		checkChangelog(t, gitLog(r, "v0.1.0..v0.2.0"), entries, nil)
	})

	t.Run("fixture", func(t *testing.T) {
		r := gitRepo{t: t, dir: r.dir}
		if !slices.Contains(r.tags(), "v0.2.0") {
			r.tag("v0.2.0")
		}
		// Commits a minute apart, after HEAD, so that commit time alone
		// orders them.
		next, err := strconv.ParseInt(r.git("log", "-1", "--format=%ct"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		commit := func(args ...string) {
			t.Helper()
			next += 60
			date := time.Unix(next, 0).UTC().Format(time.RFC3339)
			if _, err := command.New("git", args...).In(r.dir).Env(gitEnv...).
				Env("GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date).Output(); err != nil {
				t.Fatal(err)
			}
		}
		subject := func(s string) { commit("commit", "--quiet", "--allow-empty", "-m", s) }
		mainBranch := r.git("rev-parse", "--abbrev-ref", "HEAD")

		subject("feat: a")
		subject("fix: install.sh refuses plain http; test(release): cover it")
		subject("test: t")
		r.git("switch", "--quiet", "-c", "feature")
		subject("feat(hello): b")
		r.git("switch", "--quiet", mainBranch)
		subject("style(hello)!: s")
		subject("fix(deps)!: drop Go 1.25")
		commit("merge", "--quiet", "--no-ff", "-m", "Merge pull request #7 from go-multistage/feature", "feature")
		subject("docs: d")
		subject("docs: explain when to write feat: or fix:")
		subject("build(deps): bump golang.org/x/sys")
		subject("ci: run the fix: commits' tests")
		subject("chore: attest(sbom): sign the SBOMs")
		subject("feat(calculator): c")
		subject("Merge branch 'main' into feature")

		entries := changelogRelease(t, goreleaser, config, r, "v0.3.0")
		want := map[string][]string{
			"Breaking changes": {"fix(deps)!: drop Go 1.25"},
			"Features":         {"feat(calculator): c", "feat(hello): b", "feat: a"},
			"Bug fixes":        {"fix: install.sh refuses plain http; test(release): cover it"},
			"Dependencies":     {"build(deps): bump golang.org/x/sys"},
			"Documentation":    {"docs: explain when to write feat: or fix:", "docs: d"},
			"Build and CI":     {"ci: run the fix: commits' tests"},
			"Other changes":    {"chore: attest(sbom): sign the SBOMs"},
		}
		checkChangelog(t, gitLog(r, "v0.2.0..v0.3.0"), entries, want)
	})
}

// checkChangelog checks the changelog entries GoReleaser wrote for the
// commits log (newest first): every commit but tests, style and merges is
// listed once, with its subject, none of those three is; each fix and
// feat is under Breaking changes, Features or Bug fixes; and every group
// lists its commits in log order. A non-nil want also gives every group's
// subjects, in order.
func checkChangelog(t *testing.T, log []logEntry, entries []changelogEntry, want map[string][]string) {
	t.Helper()
	position := map[string]int{}
	for i, c := range log {
		position[c.sha] = i
	}
	listed := map[string]changelogEntry{}
	for _, e := range entries {
		if _, dup := listed[e.sha]; dup {
			t.Errorf("%s %q is listed twice", e.sha, e.subject)
		}
		listed[e.sha] = e
		if _, ok := position[e.sha]; !ok {
			t.Errorf("%s %q (%s) is not a commit of the release", e.sha, e.subject, e.group)
		}
	}
	for _, c := range log {
		e, ok := listed[c.sha]
		switch {
		case droppedSubject.MatchString(c.subject):
			if ok {
				t.Errorf("%s %q is listed under %s; tests, style and merges must be left out", c.sha, c.subject, e.group)
			}
			continue
		case !ok:
			t.Errorf("%s %q is missing from the changelog", c.sha, c.subject)
			continue
		case e.subject != c.subject:
			t.Errorf("%s is listed as %q, its subject is %q", c.sha, e.subject, c.subject)
		}
		if m := fixOrFeat.FindStringSubmatch(c.subject); m != nil {
			group := map[string]string{"feat": "Features", "fix": "Bug fixes"}[m[1]]
			if m[3] == "!" {
				group = "Breaking changes"
			}
			if e.group != group {
				t.Errorf("%s %q is under %s, want %s", c.sha, c.subject, e.group, group)
			}
		}
	}

	// Within a group, log order: newest first, by commit time.
	last := map[string]changelogEntry{}
	for _, e := range entries {
		if prev, ok := last[e.group]; ok {
			p, q := position[prev.sha], position[e.sha]
			if p > q || log[p].time < log[q].time {
				t.Errorf("%s lists %q before %q, which is newer", e.group, prev.subject, e.subject)
			}
		}
		last[e.group] = e
	}

	if want != nil {
		got := map[string][]string{}
		for _, e := range entries {
			got[e.group] = append(got[e.group], e.subject)
		}
		for group := range mergeKeys(got, want) {
			if !slices.Equal(got[group], want[group]) {
				t.Errorf("%s lists %q, want %q", group, got[group], want[group])
			}
		}
	}
	if t.Failed() {
		var b strings.Builder
		for _, e := range entries {
			fmt.Fprintf(&b, "%s: %s %s\n", e.group, e.sha, e.subject)
		}
		t.Logf("changelog entries:\n%s", b.String())
	}
}

// mergeKeys returns the keys of a and b, each once.
func mergeKeys[V any](a, b map[string]V) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}
