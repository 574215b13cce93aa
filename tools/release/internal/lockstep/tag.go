package lockstep

import (
	"fmt"
	"strings"
)

// Tag creates the annotated tags of release version on HEAD (Tags) after
// every check: a clean working tree, a valid version (CheckVersion), module
// paths that fit it (CheckModules), no tag of it yet, and a version above
// the newest release or a patch of an older line (CheckNewer). It returns the
// tags made; nothing is pushed. On a failure it deletes the tags it made.
func (r *Repo) Tag(version string) ([]string, error) {
	if err := CheckVersion(version); err != nil {
		return nil, err
	}
	head, err := r.commit("HEAD")
	if err != nil {
		return nil, err
	}
	if head == "" {
		return nil, fmt.Errorf("the repository has no commit to tag")
	}
	status, err := r.git("status", "--porcelain", "--untracked-files=normal")
	if err != nil {
		return nil, err
	}
	if status != "" {
		return nil, refuse("the working tree is not clean; commit or stash first (GoReleaser refuses a dirty tree too):\n%s", status)
	}
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	if err := CheckModules(version, mods); err != nil {
		return nil, err
	}
	tags := Tags(version, mods)
	for _, tag := range tags {
		at, err := r.tagCommit(tag)
		if err != nil {
			return nil, err
		}
		if at != "" {
			return nil, refuse("tag %s exists already (on %s); a release version is never reused", tag, short(at))
		}
	}
	existing, err := r.Tags()
	if err != nil {
		return nil, err
	}
	if err := CheckNewer(version, existing, mods); err != nil {
		return nil, err
	}
	return tags, r.createTags(version, head, tags)
}

// createTags makes the annotated tags on commit, or none of them.
func (r *Repo) createTags(version, commit string, tags []string) error {
	for i, tag := range tags {
		message := "Release " + version
		if dir, ok := strings.CutSuffix(tag, "/"+version); ok {
			message += ": module " + dir
		}
		if _, err := r.git("tag", "-a", "-m", message, tag, commit); err != nil {
			if i > 0 {
				if _, derr := r.git(append([]string{"tag", "-d"}, tags[:i]...)...); derr != nil {
					err = fmt.Errorf("%w; deleting the tags made before: %w", err, derr)
				}
			}
			return err
		}
	}
	return nil
}

// PushCommands returns the git push commands that publish tags (as Tags
// returns them, the release tag first). GitHub starts no workflow for a
// push of more than three tags at once, so larger sets go as the release
// tag alone, then the module tags by three.
func PushCommands(tags []string) []string {
	if len(tags) <= 3 {
		return []string{"git push origin " + strings.Join(tags, " ")}
	}
	cmds := []string{"git push origin " + tags[0]}
	for rest := tags[1:]; len(rest) > 0; rest = rest[min(3, len(rest)):] {
		cmds = append(cmds, "git push origin "+strings.Join(rest[:min(3, len(rest))], " "))
	}
	return cmds
}
