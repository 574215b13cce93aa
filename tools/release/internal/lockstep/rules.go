package lockstep

import (
	"strings"

	"golang.org/x/mod/semver"
)

// release is one version found among the tags, with the tag that carries it.
type release struct{ version, tag string }

// releases returns the versions the tags carry: vX.Y.Z release tags and, when
// modules is not nil, the modules' DIR/vX.Y.Z tags. Other tags are ignored.
func releases(tags []string, mods []Module) []release {
	var out []release
	for _, tag := range tags {
		v := tag
		for _, m := range mods {
			if rest, ok := strings.CutPrefix(tag, m.Dir+"/"); ok {
				v = rest
			}
		}
		if isVersion(v) {
			out = append(out, release{v, tag})
		}
	}
	return out
}

// newest returns the highest of rs that keep says to, by semantic-version
// precedence; on a tie it names a release tag rather than a module's.
func newest(rs []release, keep func(release) bool) (release, bool) {
	var best release
	found := false
	for _, r := range rs {
		if !keep(r) {
			continue
		}
		c := semver.Compare(r.version, best.version)
		if !found || c > 0 || (c == 0 && r.tag == r.version) {
			best, found = r, true
		}
	}
	return best, found
}

// CheckNewer refuses to tag version unless it is above every release among
// tags (release tags and the modules' tags, by semantic-version precedence,
// so v1.3.0-rc.1 < v1.3.0-rc.2 < v1.3.0), or it is a patch of an older line:
// above the newest version of its own line (v1.1.9 after v1.1.8 although
// v1.2.0 exists), where that line has a final release already. A new line
// below the newest release (v1.1.0 after v1.2.0) is refused.
func CheckNewer(version string, tags []string, mods []Module) error {
	rs := releases(tags, mods)
	top, ok := newest(rs, func(release) bool { return true })
	if !ok || semver.Compare(version, top.version) > 0 {
		return nil
	}
	inLine := func(r release) bool { return line(r.version) == line(version) }
	lineTop, ok := newest(rs, inLine)
	if !ok || lineTop.version == top.version {
		return refuse("%s is not greater than the newest release tag, %s", version, top.tag)
	}
	final := func(r release) bool { return inLine(r) && semver.Prerelease(r.version) == "" }
	if _, released := newest(rs, final); !released {
		return refuse("%s is not greater than the newest release tag, %s, and line %s has no release to patch", version, top.tag, line(version))
	}
	if semver.Compare(version, lineTop.version) <= 0 {
		return refuse("%s is not greater than %s, the newest release of line %s (the newest release tag is %s)", version, lineTop.tag, line(version), top.tag)
	}
	return nil
}

// Moves says which of a release's moving image tags it moves, and which
// release keeps them where it does not.
type Moves struct {
	// Latest: latest, latest-scratch, latest-alpine, and the GitHub release
	// marked latest. Only the highest final release moves them.
	Latest bool
	// Line: the X.Y tags (X.Y, X.Y-scratch, X.Y-alpine). Only the highest
	// final release of line X.Y moves them.
	Line bool
	// Newest is the highest final release among the tags (version itself
	// when Latest is set).
	Newest string
}

// Decide returns the moving tags that release version moves, given every
// tag of the repository. Only final vX.Y.Z release tags count; a prerelease
// moves nothing.
func Decide(version string, tags []string) Moves {
	rs := releases(tags, nil)
	final := func(r release) bool { return semver.Prerelease(r.version) == "" }
	top, _ := newest(append(rs, release{version, version}), final)
	if semver.Prerelease(version) != "" {
		return Moves{Newest: top.version}
	}
	lineTop, _ := newest(rs, func(r release) bool { return final(r) && line(r.version) == line(version) })
	return Moves{
		Latest: semver.Compare(version, top.version) >= 0,
		Line:   semver.Compare(version, lineTop.version) >= 0,
		Newest: top.version,
	}
}
