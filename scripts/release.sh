#!/usr/bin/env bash
# release.sh runs tools/release, the lockstep release rules of this
# repository, built from its own small module (golang.org/x/mod only):
#
#   scripts/release.sh tag v1.2.3              # make tag VERSION=v1.2.3
#   scripts/release.sh check v1.1.9 >>"$GITHUB_ENV"
#
# tag creates vX.Y.Z and <dir>/vX.Y.Z for every module of go.work on HEAD
# (pushing nothing): above the newest release, or a patch of an older line
# above that line's newest release (v1.1.9 after v1.1.8 and v1.2.3).
#
# check runs before anything of a release is published, in release.yml and
# in scripts/publish-local.sh (make publish-local) alike. It refuses a tag
# that is not a release version, is not at HEAD, or lacks one of its module
# tags on the same commit. Otherwise it prints, for .goreleaser.yaml:
#   RELEASE_LATEST=true|false       the newest final release: moves latest,
#                                   latest-scratch, latest-alpine and marks
#                                   the GitHub release latest
#   RELEASE_LINE_LATEST=true|false  the newest final release of its X.Y line:
#                                   moves X.Y, X.Y-scratch, X.Y-alpine
#
# A refusal exits 2 (and prints nothing on standard output), any other
# failure 1. The binary is built into a temporary directory, so that its exit
# status is the command's own (go run would turn it into 1).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOWORK=off go -C "$root/tools/release" build -o "$tmp/release" .
status=0
"$tmp/release" "$@" || status=$?
exit "$status"
