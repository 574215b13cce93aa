#!/usr/bin/env bash
# throwaway-keys.sh makes signing keys for a run that has no real ones: the
# release rehearsal (scripts/publish-local.sh) and snapshots
# (scripts/release-snapshot.sh). A published release never uses it: on GitHub
# the signatures are keyless and the apk key is a secret (release.yml).
#
#   eval "$(scripts/throwaway-keys.sh DIR [apk])"
#
# For each key the caller has not set, it writes a fresh one into DIR and
# prints the export lines that hand it to .goreleaser.yaml:
#   COSIGN_KEY, COSIGN_PASSWORD   a cosign key pair (DIR/cosign.key, DIR/cosign.pub),
#                                 made with the cosign pinned in tools/cosign
#   APK_SIGNING_KEY_FILE          with "apk": an RSA key for the apk packages
#                                 (DIR/go-multistage.rsa)
#   APK_PUBLIC_KEY_FILE           whenever there is an apk key (the caller's or
#                                 a throwaway one): its public half, derived
#                                 from that very file into
#                                 .release-keys/go-multistage.rsa.pub (a path
#                                 relative to the repository root, as
#                                 GoReleaser's extra_files globs must be;
#                                 git ignores it), which .goreleaser.yaml
#                                 lists in checksums.txt
# Snapshots leave the apk packages unsigned unless the caller gives a key: a
# throwaway one would change their bytes from run to run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { printf 'throwaway-keys: error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] && [ -d "$1" ] && [ "${2:-apk}" = apk ] ||
	die "usage: $0 DIR [apk] (DIR: an existing, private directory)"
dir=$1
want_apk=${2:-}

if [ -z "${COSIGN_KEY:-}" ]; then
	cosign=$(GOWORK=off go -C "$root/tools/cosign" tool -n cosign) || die "cannot build cosign from tools/cosign"
	(cd "$dir" && COSIGN_PASSWORD='' "$cosign" generate-key-pair >/dev/null 2>&1) ||
		die "cosign generate-key-pair failed"
	printf 'export COSIGN_KEY=%q\nexport COSIGN_PASSWORD=\n' "$(cat "$dir/cosign.key")"
fi

apk_key=${APK_SIGNING_KEY_FILE:-}
if [ -z "$apk_key" ]; then
	[ -n "$want_apk" ] || exit 0
	apk_key=$dir/go-multistage.rsa
	(umask 077 && openssl genrsa -out "$apk_key" 2048 2>/dev/null) || die "openssl genrsa failed"
	printf 'export APK_SIGNING_KEY_FILE=%q\n' "$apk_key"
fi
# The public half is always derived by apk-key.sh, never taken from the
# caller, so that the key checksums.txt lists is the public half of the key
# the packages are signed with (release.yml runs the same script).
lines=$(APK_SIGNING_KEY_FILE=$apk_key "$root/scripts/apk-key.sh" "$dir") || exit 1
while IFS='=' read -r name value; do
	[ "$name" = APK_PUBLIC_KEY_FILE ] && printf 'export APK_PUBLIC_KEY_FILE=%q\n' "$value"
done <<<"$lines"
