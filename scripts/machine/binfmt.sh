#!/usr/bin/env bash
# binfmt.sh lets this amd64 machine run linux/arm64 binaries and images
# directly, as GitHub's setup-qemu-action does for the release job: it mounts
# binfmt_misc when needed and registers Debian's qemu-aarch64-static with the
# F flag (the kernel opens the interpreter once, so it also works inside
# containers and BuildKit's sandboxes, which do not have it on their PATH).
#
#   scripts/machine/binfmt.sh [start]   register (idempotent)
#   scripts/machine/binfmt.sh status    exit 0 when arm64 binaries run
set -euo pipefail

name=qemu-aarch64
interp=/usr/bin/qemu-aarch64-static
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
mnt=/proc/sys/fs/binfmt_misc

say() { printf 'binfmt: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

registered() { [ -f "$mnt/$name" ] && grep -q '^enabled' "$mnt/$name" && grep -q "^interpreter $interp\$" "$mnt/$name" && grep -q '^flags: .*F' "$mnt/$name"; }

start() {
	[ -x "$interp" ] || die "$interp missing (apt-get install qemu-user-static)"
	[ -f "$conf" ] || die "$conf missing (Debian's qemu-user-static provides it)"
	if [ ! -f "$mnt/register" ]; then
		as_root mount -t binfmt_misc binfmt_misc "$mnt" || die "cannot mount binfmt_misc at $mnt"
	fi
	registered && return 0
	# Drop an entry with another interpreter or without F first.
	[ -f "$mnt/$name" ] && { echo -1 | as_root tee "$mnt/$name" >/dev/null; }
	# Debian's line, with our interpreter path and the F(ix binary) flag.
	local line
	line=$(grep -v '^#' "$conf" | head -n 1)
	line=$(printf '%s\n' "$line" | awk -F: -v interp="$interp" 'BEGIN{OFS=":"} {$7=interp; $8="F"; print}')
	printf '%s' "$line" | as_root tee "$mnt/register" >/dev/null || die "registering $name failed"
	registered || die "$name did not register"
	say "registered $name ($interp, flags F)"
}

case ${1:-start} in
start) start ;;
status) registered ;;
*)
	say "usage: $0 [start|status]"
	exit 2
	;;
esac
