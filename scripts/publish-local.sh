#!/usr/bin/env bash
# publish-local.sh is the maintainers' release rehearsal (`make publish-local`):
# the real `goreleaser release --clean` of the release tag at HEAD, not a
# snapshot, with the images pushed to an OCI registry on this machine instead
# of GHCR. It builds them the way the release job on GitHub does: buildx with a
# BuildKit builder that builds every platform at once and pushes one index per
# tag, with provenance attestations.
#
#   make tag VERSION=v1.2.3 && make publish-local
#   docker pull localhost:5000/go-multistage/hello:1.2.3
#
# What differs from release.yml, and why:
#   - no GitHub release is created (nothing here stands in for GitHub); every
#     file it would upload is in dist/ (RELEASE_REHEARSAL=1 in .goreleaser.yaml);
#   - no SBOM attestations on the images: BuildKit's SBOM scanner is an image
#     (docker/buildkit-syft-scanner) that cannot be pulled here. The binaries'
#     SBOMs are still made; on GitHub the image attestations stay on;
#   - signatures are made with a key (COSIGN_KEY, or a throwaway key pair whose
#     public half is left in dist/cosign.pub) and no transparency log, where
#     release.yml signs keyless through GitHub's OIDC token and Rekor;
#   - offline, the alpine-based images are built on a two-platform stand-in of
#     alpine pushed to the same registry (scripts/machine/standins.sh push), unless
#     the real base can be pulled or STANDINS=0.
#
# Environment:
#   IMAGE_PREFIX      where the images go (default localhost:5000/go-multistage);
#                     its registry part must answer, or be a loopback address
#                     where this script starts Debian's docker-registry itself
#   STANDIN_REGISTRY  registry path for the stand-in base (default
#                     <registry of IMAGE_PREFIX>/go-multistage-standins)
#   STANDINS          1 forces the stand-ins, 0 forbids them (see standins.sh)
#   GORELEASER_CURRENT_TAG  the tag to release (default: the highest v* tag
#                     at HEAD, a final release above its release candidates)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

note() { printf 'publish-local: %s\n' "$*" >&2; }
die() { note "error: $*"; exit 1; }

export IMAGE_PREFIX=${IMAGE_PREFIX:-localhost:5000/go-multistage}
registry=${IMAGE_PREFIX%%/*}
[ "$registry" != "$IMAGE_PREFIX" ] || die "IMAGE_PREFIX=$IMAGE_PREFIX has no registry part (want HOST:PORT/PATH)"

# current_tag prints the release tag at HEAD: the highest v* tag by semver,
# where a final version sorts above its pre-releases (versionsort.suffix).
current_tag() {
	git -c versionsort.suffix=- tag --points-at HEAD --list 'v[0-9]*' --sort=-version:refname | head -n 1
}

[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "uncommitted changes: a release is built from a tagged commit; commit or stash them"
[ -n "$(git remote)" ] ||
	die "no git remote: GoReleaser reads the project's URL and dates from it; add one (a dummy URL is enough)"
tag=${GORELEASER_CURRENT_TAG:-$(current_tag)}
[ -n "$tag" ] || die "no release tag at HEAD: run make tag VERSION=vX.Y.Z first"
export GORELEASER_CURRENT_TAG=$tag
# The checks release.yml runs before it publishes, before anything starts
# here: the tag and its module tags on HEAD, and which moving tags it moves.
moves=$(scripts/release.sh check "$tag") || die "$tag is not releasable (above); nothing was pushed"
while IFS= read -r line; do
	export "${line?}"
done <<<"$moves"

scripts/machine/docker-engine.sh start
scripts/machine/binfmt.sh start
if ! scripts/machine/registry.sh status "$registry"; then
	scripts/machine/registry.sh start "$registry" ||
		die "no registry answers at $registry and none could be started there"
fi
stand_ins=${STANDIN_REGISTRY:-$registry/go-multistage-standins}
BUILDX_BUILDER=$(BUILDKIT_HTTP_REGISTRIES="$registry ${stand_ins%%/*} localhost:5000 127.0.0.1:5000" scripts/machine/buildkit.sh start)
export BUILDX_BUILDER

# The stand-ins only where the real bases cannot be had (STANDINS as in
# scripts/machine/standins.sh). The builder cannot see the engine's images, so the
# alpine stand-in goes to a registry, for both platforms.
if [ -n "$(scripts/machine/standins.sh auto)" ]; then
	eval "$(scripts/machine/standins.sh push "$stand_ins")"
	export ALPINE_IMAGE
fi

# Signatures and the apk packages' signing key: the caller's (COSIGN_KEY and
# COSIGN_PASSWORD; APK_SIGNING_KEY_FILE), or throwaway ones made here. The
# apk key's public half (APK_PUBLIC_KEY_FILE, derived from the key file) is
# listed in checksums.txt; it ends up in dist/ with cosign.pub, as the GitHub
# release carries it beside the packages.
key_dir=$(mktemp -d)
trap 'rm -rf "$key_dir"' EXIT
had_cosign=${COSIGN_KEY:+1} had_apk=${APK_SIGNING_KEY_FILE:+1}
keys=$(scripts/throwaway-keys.sh "$key_dir" apk) || die "cannot make or read the signing keys"
eval "$keys"
[ -n "$had_cosign" ] || note "signing checksums.txt and the images with a throwaway key (public half: dist/cosign.pub)"
[ -n "$had_apk" ] || note "signing the apk packages with a throwaway key (public half: dist/go-multistage.rsa.pub)"

export RELEASE_REHEARSAL=1
note "releasing $tag, images to $IMAGE_PREFIX (builder $BUILDX_BUILDER${ALPINE_IMAGE:+, alpine base $ALPINE_IMAGE})"
start=$(date +%s)
if ! scripts/release-goreleaser.sh release --clean "$@"; then
	die "goreleaser release of $tag failed: the release is incomplete and must not be announced; fix the cause and run again (images already pushed under $IMAGE_PREFIX carry the same tags and are overwritten)"
fi
cp "$APK_PUBLIC_KEY_FILE" dist/go-multistage.rsa.pub
[ ! -f "$key_dir/cosign.pub" ] || cp "$key_dir/cosign.pub" dist/cosign.pub
note "released $tag in $(($(date +%s) - start))s: files in dist/, images under $IMAGE_PREFIX"
