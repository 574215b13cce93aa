package lockstep

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a git repository whose root holds go.work.
type Repo struct {
	Root string
}

// Open returns the repository that holds dir.
func Open(dir string) (*Repo, error) {
	r := &Repo{Root: dir}
	root, err := r.git("rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not inside a git repository: %w", dir, err)
	}
	r.Root = root
	return r, nil
}

// git runs git in the repository and returns its output, trimmed.
func (r *Repo) git(args ...string) (string, error) {
	cmd := exec.Command("git", args...) //nolint:gosec // G204: git itself, with the arguments of this package's own calls
	cmd.Dir = r.Root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// commit returns the commit that ref names, or "" when it names none.
func (r *Repo) commit(ref string) (string, error) {
	out, err := r.git("rev-parse", "-q", "--verify", ref+"^{commit}")
	var exit *exec.ExitError
	if err != nil && errors.As(err, &exit) && exit.ExitCode() == 1 {
		return "", nil
	}
	return out, err
}

// tagCommit returns the commit tag points at, or "" when there is no such tag.
func (r *Repo) tagCommit(tag string) (string, error) {
	return r.commit("refs/tags/" + tag)
}

// Tags returns the names of all tags of the repository.
func (r *Repo) Tags() ([]string, error) {
	out, err := r.git("tag", "--list")
	if err != nil || out == "" {
		return nil, err
	}
	return strings.Split(out, "\n"), nil
}

// Modules returns the modules of the repository's go.work.
func (r *Repo) Modules() ([]Module, error) {
	work, err := os.ReadFile(filepath.Join(r.Root, "go.work"))
	if err != nil {
		return nil, err
	}
	return ParseModules(work, func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(r.Root, filepath.FromSlash(name))) //nolint:gosec // G703: go.work's own module paths, in the repository
	})
}

// short abbreviates a commit for messages.
func short(commit string) string { return commit[:min(len(commit), 7)] }
