#!/usr/bin/env bash
# image-digests.sh prints the digest of each image flavour a release pushed,
# read from GoReleaser's dist/artifacts.json, one NAME=DIGEST line each:
#
#   hello_alpine=sha256:…  hello_scratch=…  calculator_scratch=…  calculator_alpine=…
#
# (the dockers_v2 ids of .goreleaser.yaml with "-" as "_"). Every tag of a
# flavour names that one index. release.yml hands the lines to its
# attestation steps ($GITHUB_OUTPUT); e2e/release checks them against the
# registry after the rehearsal (make publish-local).
#
#   scripts/image-digests.sh [DIST]      # default dist/
set -euo pipefail

dist=${1:-dist}
die() { printf 'image-digests: error: %s\n' "$*" >&2; exit 1; }

command -v jq >/dev/null || die "jq not found (make deps installs it)"
[ -f "$dist/artifacts.json" ] || die "no $dist/artifacts.json: run a release first"
for id in hello-alpine hello-scratch calculator-scratch calculator-alpine; do
	digest=$(jq -r --arg id "$id" 'first(.[] | select(.type == "Docker Image" and .extra.ID == $id) | .extra.Digest) // empty' "$dist/artifacts.json")
	[[ $digest == sha256:* ]] || die "no digest for $id in $dist/artifacts.json"
	printf '%s=%s\n' "${id//-/_}" "$digest"
done
