package lockstep

import "fmt"

// Check is what a release must pass before anything of it is published:
// version is a valid version whose release tag is at HEAD, and every
// module's tag of it exists on the same commit, so that `go install
// module@version` works for each. It returns the moving tags the release may
// move (Decide).
func (r *Repo) Check(version string) (Moves, error) {
	if err := CheckVersion(version); err != nil {
		return Moves{}, err
	}
	at, err := r.tagCommit(version)
	if err != nil {
		return Moves{}, err
	}
	if at == "" {
		return Moves{}, refuse("tag %s does not exist", version)
	}
	head, err := r.commit("HEAD")
	if err != nil {
		return Moves{}, err
	}
	if head != at {
		return Moves{}, refuse("tag %s is on %s, not at HEAD (%s): check out the tag to release it", version, short(at), short(head))
	}
	mods, err := r.Modules()
	if err != nil {
		return Moves{}, err
	}
	for _, tag := range Tags(version, mods)[1:] {
		c, err := r.tagCommit(tag)
		if err != nil {
			return Moves{}, err
		}
		switch {
		case c == "":
			return Moves{}, refuse("release %s has no module tag %s: go install of that module would fail; tag all of them with make tag VERSION=%s and push them with the release tag", version, tag, version)
		case c != at:
			return Moves{}, refuse("module tag %s is on %s, release tag %s on %s: the tags of a release must be on one commit", tag, short(c), version, short(at))
		}
	}
	tags, err := r.Tags()
	if err != nil {
		return Moves{}, err
	}
	return Decide(version, tags), nil
}

// Describe says in one line what a release with these moves does to the
// moving tags of version.
func (m Moves) Describe(version string) string {
	lineTag := line(version)[1:]
	switch {
	case m.Latest && m.Line:
		return fmt.Sprintf("%s is the newest release: latest and %s move to it", version, lineTag)
	case m.Line:
		return fmt.Sprintf("%s is not the newest release (%s is): latest stays on %s, %s moves to %s", version, m.Newest, m.Newest, lineTag, version)
	case m.Latest:
		return fmt.Sprintf("%s is the newest release: latest moves to it, %s stays on a newer patch", version, lineTag)
	case m.Newest == "":
		return fmt.Sprintf("%s moves no moving tag", version)
	default:
		return fmt.Sprintf("%s moves no moving tag (latest stays on %s)", version, m.Newest)
	}
}
