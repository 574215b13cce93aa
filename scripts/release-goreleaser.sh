#!/usr/bin/env bash
# release-goreleaser.sh runs the GoReleaser pinned in tools/go.mod from the
# repository root, with cyclonedx-gomod (pinned there too, used for the SBOMs)
# and cosign (pinned in tools/cosign, used for the signatures) on PATH. Arguments go to goreleaser unchanged:
#
#   scripts/release-goreleaser.sh check
#   scripts/release-goreleaser.sh release --clean      # the tagged release (CI)
#
# The first call compiles the tools (about 5 minutes on 2 cores); later calls
# take them from the Go build cache.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# tool NAME [MODULE] prints the path of a tool pinned in tools/MODULE/go.mod
# (default tools/go.mod), building it if the build cache lacks it. The tools
# modules stay outside go.work, hence GOWORK=off.
tool() {
	local path dir=tools${2:+/$2}
	path=$(GOWORK=off go -C "$dir" tool -n "$1") || {
		echo "release-goreleaser: cannot build tool $1 from $dir/go.mod" >&2
		exit 1
	}
	printf '%s\n' "$path"
}

goreleaser=$(tool goreleaser)
cyclonedx=$(tool cyclonedx-gomod)
cosign=$(tool cosign cosign)
PATH=$(dirname "$cyclonedx"):$(dirname "$cosign"):$PATH
export PATH

# A release's notes end with the footer (verify commands, image commands). As
# a template file it also lands in dist/CHANGELOG.md, where e2e/release runs
# its commands against the published images.
if [ "${1:-}" = release ]; then
	set -- "$@" --release-footer-tmpl "$root/packaging/release-notes-footer.md"
fi

exec "$goreleaser" "$@"
