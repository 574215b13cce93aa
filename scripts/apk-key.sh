#!/usr/bin/env bash
# apk-key.sh sets up the key pair that signs a release's apk packages
# (nfpms[].apk.signature in .goreleaser.yaml) and prints it as NAME=value
# lines, for $GITHUB_ENV or to export:
#
#   APK_SIGNING_KEY_FILE   the RSA private key: the caller's file, or the PEM
#                          in APK_SIGNING_KEY (release.yml has it from a
#                          secret) written to DIR/go-multistage.rsa, mode 600
#   APK_PUBLIC_KEY_FILE    its public half, derived from that very file into
#                          .release-keys/go-multistage.rsa.pub (relative to
#                          the repository root, as GoReleaser's extra_files
#                          globs must be; git ignores it). checksums.txt
#                          lists it, so the signature and attestations of
#                          checksums.txt cover it.
#
#   scripts/apk-key.sh DIR          # release.yml: ... >>"$GITHUB_ENV"
#
# scripts/throwaway-keys.sh runs it for the rehearsal and snapshots.
# tools/README.md says how the real key pair is made.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { printf 'apk-key: error: %s\n' "$*" >&2; exit 1; }

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	die "usage: $0 DIR (DIR: an existing, private directory)"
fi
key=${APK_SIGNING_KEY_FILE:-}
if [ -z "$key" ]; then
	[ -n "${APK_SIGNING_KEY:-}" ] ||
		die "neither APK_SIGNING_KEY_FILE nor APK_SIGNING_KEY is set: a release has no unsigned apk packages (on GitHub: the APK_SIGNING_KEY secret, see tools/README.md)"
	key=$1/go-multistage.rsa
	(umask 077 && printf '%s\n' "$APK_SIGNING_KEY" >"$key")
fi
pub=.release-keys/go-multistage.rsa.pub
mkdir -p "$root/${pub%/*}"
openssl rsa -in "$key" -pubout -out "$root/$pub" 2>/dev/null ||
	die "cannot read the apk signing key $key"
printf 'APK_SIGNING_KEY_FILE=%s\nAPK_PUBLIC_KEY_FILE=%s\n' "$key" "$pub"
