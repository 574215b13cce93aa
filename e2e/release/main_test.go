package release

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
	"github.com/go-multistage/multistage/e2e/internal/docker"
	"github.com/go-multistage/multistage/e2e/internal/repo"
)

// dummyRemote is the origin of the throwaway clone. GoReleaser reads the
// commit, its dates and the project's URL from git, and reads nothing at all
// without a remote.
const dummyRemote = "https://github.com/go-multistage/multistage.git"

// defaultImagePrefix is the IMAGE_PREFIX default of .goreleaser.yaml.
const defaultImagePrefix = "ghcr.io/go-multistage"

// snapshotTimeout bounds one run of the release script. It is a safety net
// for a hung docker build, not a speed target: a cold run (GoReleaser not yet
// compiled) takes a few minutes.
const snapshotTimeout = 30 * time.Minute

// binaries are the programs the release ships, with the module each is built
// from.
var binaries = []string{"hello", "calculator"}

// arches are the release's architectures (GOARCH).
var arches = []string{"amd64", "arm64"}

var (
	snapshots lazy[*fixture]
	tempRoot  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if os.Getenv("E2E_RELEASE_KEEP") != "" {
		if tempRoot != "" {
			fmt.Fprintln(os.Stderr, "release e2e: kept", tempRoot, "and the snapshot's images")
		}
		os.Exit(code)
	}
	cleanup()
	cleanupPublish()
	os.Exit(code)
}

// cleanup removes the throwaway clone (its dist/ holds about 50 MB) and the
// images the snapshots tagged, which are specific to its commit.
func cleanup() {
	if fx := snapshots.value; fx != nil {
		var refs []string
		for _, a := range fx.ofType("Docker Image") {
			refs = append(refs, a.Name)
		}
		if err := docker.RemoveImages(refs...); err != nil {
			fmt.Fprintf(os.Stderr, "release e2e: removing the snapshot's images: %v\n", err)
		}
	}
	if tempRoot != "" {
		if err := os.RemoveAll(tempRoot); err != nil {
			fmt.Fprintln(os.Stderr, "release e2e: cleanup:", err)
		}
	}
}

// fixture is what the two snapshot runs left behind.
type fixture struct {
	source      string    // the repository under test
	repo        string    // the throwaway clone the snapshots ran in
	dist        string    // repo/dist
	firstSums   []byte    // checksums.txt of the first run
	meta        metadata  // dist/metadata.json of the second run
	artifacts   []art     // dist/artifacts.json of the second run
	commit      string    // HEAD of the clone
	commitDate  time.Time // HEAD's committer date
	imagePrefix string    // IMAGE_PREFIX the images were named with
}

// metadata is the part of dist/metadata.json the tests read.
type metadata struct {
	ProjectName string `json:"project_name"`
	Tag         string `json:"tag"`
	Version     string `json:"version"`
	Commit      string `json:"commit"`
}

// art is one entry of dist/artifacts.json.
type art struct {
	Name   string         `json:"name"`
	Path   string         `json:"path"`
	Goos   string         `json:"goos"`
	Goarch string         `json:"goarch"`
	Type   string         `json:"type"`
	Extra  map[string]any `json:"extra"`
}

// id returns the id of the build, archive or package config that made a.
func (a art) id() string {
	s, _ := a.Extra["ID"].(string)
	return s
}

// extra returns the string a.Extra[key], or "".
func (a art) extra(key string) string {
	s, _ := a.Extra[key].(string)
	return s
}

// ofType returns the artifacts of the given artifacts.json type.
func (f *fixture) ofType(typ string) []art {
	var out []art
	for _, a := range f.artifacts {
		if a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// path returns the absolute path of an artifact.
func (f *fixture) path(a art) string {
	if filepath.IsAbs(a.Path) {
		return a.Path
	}
	return filepath.Join(f.repo, a.Path)
}

// unavailableError says that something the test needs is not installed or
// not running.
type unavailableError struct{ what string }

func (e *unavailableError) Error() string { return e.what }

// lazy is a fixture that several tests share: set up on first use, once.
type lazy[T any] struct {
	once  sync.Once
	value T
	err   error
}

// get returns the fixture, running setup on first use. A missing tool
// (an unavailableError) skips the test on a developer machine and fails it
// when CI is set (command.Unavailable); -short skips it with why, which
// says what setup costs.
func (l *lazy[T]) get(t *testing.T, why string, setup func() (T, error)) T {
	t.Helper()
	if testing.Short() {
		t.Skip(why + "; skipped with -short")
	}
	l.once.Do(func() { l.value, l.err = setup() })
	if unavailable := (*unavailableError)(nil); errors.As(l.err, &unavailable) {
		command.Unavailable(t, "%s", unavailable.what)
	}
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.value
}

// snapshot returns the fixture, running the two snapshots on first use.
func snapshot(t *testing.T) *fixture {
	t.Helper()
	return snapshots.get(t, "release e2e builds a full release twice", setup)
}

// requireTools checks that the programs the tests run are installed and that
// a Docker engine with buildx answers.
func requireTools() error {
	for _, tool := range []string{"git", "go", "docker", "qemu-aarch64-static", "dpkg", "dpkg-deb", "systemd-analyze"} {
		if _, err := exec.LookPath(tool); err != nil {
			return &unavailableError{fmt.Sprintf("%s not found in PATH", tool)}
		}
	}
	if err := docker.EngineError(); err != nil {
		return &unavailableError{fmt.Sprintf("no Docker engine answers (start one with scripts/machine/docker-engine.sh start): %v", err)}
	}
	if _, err := docker.Command("buildx", "version").Output(); err != nil {
		return &unavailableError{fmt.Sprintf("docker buildx missing (scripts/machine/docker-engine.sh installs it): %v", err)}
	}
	return nil
}

// setup clones the working tree and runs the snapshot twice.
func setup() (*fixture, error) {
	if err := requireTools(); err != nil {
		return nil, err
	}
	source, err := repo.Root()
	if err != nil {
		return nil, err
	}
	tempRoot, err = os.MkdirTemp("", "release-e2e-")
	if err != nil {
		return nil, err
	}
	f := &fixture{
		source:      source,
		repo:        filepath.Join(tempRoot, "repo"),
		imagePrefix: cmp.Or(os.Getenv("IMAGE_PREFIX"), defaultImagePrefix),
	}
	f.dist = filepath.Join(f.repo, "dist")
	if err := cloneWorkingTree(source, f.repo); err != nil {
		return nil, fmt.Errorf("preparing the throwaway clone: %w", err)
	}
	if f.commit, f.commitDate, err = head(f.repo); err != nil {
		return nil, err
	}

	if err := useThrowawayAPKKey(tempRoot); err != nil {
		return nil, err
	}
	for run := 1; run <= 2; run++ {
		if err := runSnapshot(f.repo, filepath.Join(tempRoot, fmt.Sprintf("snapshot-%d.log", run))); err != nil {
			return nil, fmt.Errorf("snapshot run %d: %w", run, err)
		}
		if run == 1 {
			if f.firstSums, err = os.ReadFile(filepath.Join(f.dist, "checksums.txt")); err != nil {
				return nil, fmt.Errorf("snapshot run 1: %w", err)
			}
		}
	}
	if err := readJSON(filepath.Join(f.dist, "metadata.json"), &f.meta); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(f.dist, "artifacts.json"), &f.artifacts); err != nil {
		return nil, err
	}
	return f, nil
}

// runSnapshot runs scripts/release-snapshot.sh in repo, logging to logPath.
func runSnapshot(repo, logPath string) error {
	r, out, err := runLogged(command.New(filepath.Join(repo, "scripts", "release-snapshot.sh")).In(repo), logPath)
	if err == nil && r.Code != 0 {
		err = fmt.Errorf("scripts/release-snapshot.sh: exit status %d", r.Code)
	}
	if err != nil {
		return fmt.Errorf("%w; last lines of %s:\n%s", err, logPath, command.Tail(string(out), 40))
	}
	return nil
}

// runLogged runs a release script, which takes minutes (snapshotTimeout at
// the most), with its output logged to logPath, and returns how it ended and
// the log. It tells on standard error how long the script took.
func runLogged(c command.Cmd, logPath string) (command.Result, []byte, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return command.Result{}, nil, err
	}
	defer logFile.Close()
	start := time.Now()
	r, err := c.LogTo(logFile).Timeout(snapshotTimeout).Exec()
	fmt.Fprintf(os.Stderr, "release e2e: %s took %s (log %s)\n", filepath.Base(logPath), time.Since(start).Round(time.Second), logPath)
	out, _ := os.ReadFile(logPath)
	return r, out, err
}

// cloneWorkingTree makes dst a git repository whose HEAD holds exactly the
// working tree of src (tracked and untracked files, minus ignored ones), so
// that the test releases what is on disk whether or not it was committed.
// HEAD is src's HEAD when the two agree. The clone's origin is dummyRemote.
func cloneWorkingTree(src, dst string) error {
	if _, err := gitOut(src, "rev-parse", "--verify", "-q", "HEAD"); err == nil {
		if _, err := gitOut("", "clone", "--quiet", "--no-hardlinks", src, dst); err != nil {
			return err
		}
	} else {
		if _, err := gitOut("", "init", "--quiet", dst); err != nil {
			return err
		}
	}
	list, err := gitOut(src, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, name := range strings.Split(list, "\x00") {
		if name == "" {
			continue
		}
		copied, err := copyEntry(filepath.Join(src, name), filepath.Join(dst, name))
		if err != nil {
			return err
		}
		keep[name] = copied
	}
	// Files deleted from src's working tree go from the clone too.
	tracked, err := gitOut(dst, "ls-files", "-z")
	if err != nil {
		return err
	}
	for _, name := range strings.Split(tracked, "\x00") {
		if name != "" && !keep[name] {
			if err := os.Remove(filepath.Join(dst, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	if _, err := gitOut(dst, "add", "--all"); err != nil {
		return err
	}
	if status, err := gitOut(dst, "status", "--porcelain"); err != nil {
		return err
	} else if status != "" {
		if _, err := gitOut(dst,
			"-c", "user.name=release-e2e", "-c", "user.email=release-e2e@localhost",
			"-c", "commit.gpgsign=false",
			"commit", "--quiet", "--no-verify", "-m", "test: snapshot of the working tree"); err != nil {
			return err
		}
	}
	_, _ = gitOut(dst, "remote", "remove", "origin")
	_, err = gitOut(dst, "remote", "add", "origin", dummyRemote)
	return err
}

// copyEntry copies a regular file (keeping its permission bits) or a symbolic
// link. It reports false, and no error, when src no longer exists.
func copyEntry(src, dst string) (bool, error) {
	info, err := os.Lstat(src)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, err
	}
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	switch {
	case info.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return false, err
		}
		return true, os.Symlink(target, dst)
	case info.Mode().IsRegular():
		in, err := os.Open(src)
		if err != nil {
			return false, err
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return false, err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return false, err
		}
		return true, out.Close()
	default:
		return false, fmt.Errorf("%s: not a regular file or symlink", src)
	}
}

// head returns the commit that HEAD of repo names and its committer date.
func head(repo string) (string, time.Time, error) {
	commit, err := gitOut(repo, "rev-parse", "HEAD")
	if err != nil {
		return "", time.Time{}, err
	}
	date, err := gitOut(repo, "log", "-1", "--format=%cI")
	if err != nil {
		return "", time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%s: commit date %q: %w", repo, date, err)
	}
	return commit, t, nil
}

// gitOut runs git in dir ("" for the current directory) and returns its
// trimmed standard output.
func gitOut(dir string, args ...string) (string, error) {
	return command.New("git", args...).In(dir).Output()
}

// readJSON decodes the JSON file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
