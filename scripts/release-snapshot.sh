#!/usr/bin/env bash
# release-snapshot.sh builds a complete release of the current commit into
# dist/ without publishing anything: binaries, archives, deb/rpm/apk packages,
# SBOMs, checksums.txt and local images (one per platform, tagged
# <tag>-amd64 and <tag>-arm64).
#
#   scripts/release-snapshot.sh [extra goreleaser flags]
#
# Environment:
#   IMAGE_PREFIX   image names are $IMAGE_PREFIX/hello and /calculator
#                  (default ghcr.io/go-multistage)
#   ALPINE_IMAGE   base of the alpine flavours, handed to the Dockerfiles as a
#                  build arg (the release stages compile nothing, so GO_IMAGE
#                  plays no part); point it at the local stand-in offline:
#                    eval "$(scripts/machine/standins.sh env)"; scripts/release-snapshot.sh
#   COSIGN_KEY     sign checksums.txt with this key (PEM; COSIGN_PASSWORD);
#                  unset, with a throwaway key (dist/cosign.pub)
#   APK_SIGNING_KEY_FILE  sign the apk packages with this RSA key; its public
#                  half is listed in checksums.txt and left in
#                  dist/go-multistage.rsa.pub; unset, they are not signed
#   ALPINE_PLATFORMS  platforms of the alpine-based images (default
#                  linux/amd64,linux/arm64; set from a local ALPINE_IMAGE)
#
# GoReleaser reads the version, commit and dates from git: it needs committed
# work and a remote (a dummy one is enough), or every date is empty and
# nothing is reproducible.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

note() { printf 'release-snapshot: %s\n' "$*" >&2; }
die() { note "$*"; exit 1; }

git rev-parse --verify -q HEAD >/dev/null ||
	die "no commit yet: GoReleaser releases a commit, commit first"
[ -n "$(git remote)" ] ||
	die "no git remote: GoReleaser would read no commit date and the snapshot would not be reproducible; add one, e.g. git remote add origin https://github.com/go-multistage/multistage.git"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	note "warning: uncommitted changes are built but stamped as commit $(git rev-parse --short HEAD)"
fi

# dockers_v2 needs an engine and the buildx plugin.
"$root/scripts/machine/docker-engine.sh" start

# A base image in the engine's own store holds a single platform, and buildx
# (docker driver) looks for any other platform in a registry, which fails
# offline. So a local ALPINE_IMAGE limits the alpine-based images to its
# platform; the scratch-based ones are built for every platform regardless.
if [ -n "${ALPINE_IMAGE:-}" ] && [ -z "${ALPINE_PLATFORMS:-}" ] &&
	platform=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$ALPINE_IMAGE" 2>/dev/null); then
	export ALPINE_PLATFORMS=$platform
	note "skipping the alpine-based images (hello, calculator-alpine) for every platform but $platform: ALPINE_IMAGE=$ALPINE_IMAGE is a local $platform image, and offline buildx finds no other platform of it (GoReleaser reports those as \"no platforms to build\"; make publish-local builds them all)"
fi

# Keyless signing needs GitHub's OIDC token: a snapshot signs checksums.txt
# with the caller's COSIGN_KEY or a throwaway one (dist/cosign.pub). Not
# --skip=sign: that would also leave the apk packages unsigned when
# APK_SIGNING_KEY_FILE is given.
key_dir=$(mktemp -d)
trap 'rm -rf "$key_dir"' EXIT
keys=$("$root/scripts/throwaway-keys.sh" "$key_dir") || die "cannot make or read the signing keys"
eval "$keys"

"$root/scripts/release-goreleaser.sh" release --snapshot --clean "$@"
[ ! -f "$key_dir/cosign.pub" ] || cp "$key_dir/cosign.pub" "$root/dist/"
# The apk public key beside the packages, the file checksums.txt lists.
[ -z "${APK_PUBLIC_KEY_FILE:-}" ] || cp "$APK_PUBLIC_KEY_FILE" "$root/dist/go-multistage.rsa.pub"
