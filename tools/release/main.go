// Command release holds the lockstep release rules of this repository (see
// internal/lockstep) for the maintainers and the release workflow:
//
//	release tag VERSION     tag HEAD as VERSION and every module of go.work (make tag)
//	release check VERSION   before publishing: VERSION and its module tags on HEAD;
//	                        prints RELEASE_LATEST= and RELEASE_LINE_LATEST= lines
//	                        for GoReleaser's moving image tags (release.yml, make publish-local)
//
// It runs in the repository that holds the working directory. A refusal
// (bad version, missing tag, dirty tree) exits 2, any other failure 1.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-multistage/multistage/tools/release/internal/lockstep"
)

const usage = `usage: release tag vMAJOR.MINOR.PATCH[-PRERELEASE]   (make tag VERSION=...)
       release check vMAJOR.MINOR.PATCH[-PRERELEASE]`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command with args and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || (args[0] != "tag" && args[0] != "check") {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd, version := args[0], args[1]
	repo, err := lockstep.Open(".")
	if err == nil {
		if cmd == "tag" {
			err = tag(repo, version, stdout)
		} else {
			err = check(repo, version, stdout, stderr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		if lockstep.IsRefusal(err) {
			return 2
		}
		return 1
	}
	return 0
}

// tag tags HEAD and says how to push the tags.
func tag(repo *lockstep.Repo, version string, stdout io.Writer) error {
	tags, err := repo.Tag(version)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Tagged HEAD as %s.\nNothing is pushed. To publish the release, push the tags:\n", strings.Join(tags, " "))
	for _, c := range lockstep.PushCommands(tags) {
		fmt.Fprintln(stdout, "  "+c)
	}
	return nil
}

// check runs the pre-publish checks and prints the moving-tag decisions as
// environment lines (for $GITHUB_ENV or the shell).
func check(repo *lockstep.Repo, version string, stdout, stderr io.Writer) error {
	m, err := repo.Check(version)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "check: %s and its module tags are on HEAD; %s\n", version, m.Describe(version))
	fmt.Fprintf(stdout, "RELEASE_LATEST=%t\nRELEASE_LINE_LATEST=%t\n", m.Latest, m.Line)
	return nil
}
