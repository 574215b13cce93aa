#!/usr/bin/env bash
# release-goreleaser.sh runs the GoReleaser pinned in tools/go.mod from the
# repository root, with cyclonedx-gomod (pinned there too, used for the SBOMs)
# on PATH. Arguments go to goreleaser unchanged:
#
#   scripts/release-goreleaser.sh check
#   scripts/release-goreleaser.sh release --clean      # the tagged release (CI)
#
# The first call compiles the tools (about 5 minutes on 2 cores); later calls
# take them from the Go build cache.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# tool prints the path of a tool pinned in tools/go.mod, building it if the
# build cache lacks it. tools/ stays outside go.work, hence GOWORK=off.
tool() {
	local path
	path=$(GOWORK=off go -C tools tool -n "$1") || {
		echo "release-goreleaser: cannot build tool $1 from tools/go.mod" >&2
		exit 1
	}
	printf '%s\n' "$path"
}

goreleaser=$(tool goreleaser)
cyclonedx=$(tool cyclonedx-gomod)
PATH=$(dirname "$cyclonedx"):$PATH
export PATH

exec "$goreleaser" "$@"
