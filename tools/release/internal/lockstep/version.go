// Package lockstep holds the release rules of a monorepo whose Go modules are
// released together: release vX.Y.Z is the tag vX.Y.Z, which GoReleaser
// builds, plus one tag DIR/vX.Y.Z per module of go.work on the same commit,
// which is what `go install` resolves for a module in a subdirectory.
//
// The rules are pure functions of the version and the tags that exist
// (CheckVersion, CheckModules, CheckNewer, Decide), so that they are tested
// as tables; Repo applies them to a git repository.
package lockstep

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/semver"
)

// Refusal is an error that refuses a release because of what was asked or
// what the repository holds, not because a command failed. Commands exit 2
// on a refusal and 1 on any other error.
type Refusal struct{ msg string }

func (r *Refusal) Error() string { return r.msg }

func refuse(format string, args ...any) error {
	return &Refusal{fmt.Sprintf(format, args...)}
}

// IsRefusal reports whether err is or wraps a *Refusal.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// CheckVersion refuses v unless it is a full semantic version with a leading
// v (v1.2.3, v1.3.0-rc.1) and no build metadata, which neither Go module
// versions nor image tags can carry.
func CheckVersion(v string) error {
	if strings.Contains(v, "+") {
		return refuse("%s: build metadata (+...) is not allowed: Go ignores such tags and image tags cannot hold +", v)
	}
	// semver.IsValid also takes the shorthands v1 and v1.2, which
	// Canonical expands; a release names all three numbers.
	if !semver.IsValid(v) || semver.Canonical(v) != v {
		return refuse("%s is not a semantic version with a leading v, such as v1.2.3 or v1.3.0-rc.1", v)
	}
	return nil
}

// isVersion reports whether v is a version CheckVersion accepts.
func isVersion(v string) bool { return CheckVersion(v) == nil }

// line returns the release line of v: "v1.2" for v1.2.3.
func line(v string) string { return semver.MajorMinor(v) }
