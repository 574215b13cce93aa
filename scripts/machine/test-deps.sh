#!/usr/bin/env bash
# test-deps.sh installs the Debian packages the tests need when any is
# missing (`make deps`, a prerequisite of `make test`):
#
#   docker.io          the engine (scripts/machine/docker-engine.sh starts it)
#   busybox-static     the offline alpine stand-in (scripts/machine/standins.sh)
#   qemu-user-static   runs the arm64 release binaries (e2e/release)
#   file, systemd      release checks (file types, systemd-analyze verify)
#   rpm                installs the rpm packages into a scratch root (e2e/release)
#   dash, curl, wget   install.sh's shells and downloaders (e2e/release)
#   "shellcheck"       lints install.sh (make check)
#   tmux               the calculator's terminal tests (a real pty, screen read back)
#   wrk, bc            benchmarks (bench/)
#   docker-registry    the OCI registry of the release rehearsal (scripts/machine/registry.sh)
#   runc, curl         BuildKit's runtime (scripts/machine/buildkit.sh), registry probes
#   jq                 reads GoReleaser's dist/artifacts.json (scripts/image-digests.sh)
#
# Quiet when everything is there. A package whose command is already on PATH
# counts as there, whoever installed it: GitHub's Ubuntu runners bring their
# own Docker engine (moby-engine, moby-runc), which docker.io and runc would
# conflict with, so an engine that is there is never replaced. Elsewhere than
# Debian or Ubuntu it only says what is missing: the tests that need it then
# skip, or fail when CI is set.
set -euo pipefail

# package:command pairs; an empty command means only dpkg can tell (the
# static busybox has no command of its own name).
packages=(
	git:git make:make file:file docker.io:dockerd busybox-static: qemu-user-static:qemu-aarch64-static
	systemd:systemd-analyze rpm:rpm dash:dash curl:curl wget:wget shellcheck:shellcheck
	wrk:wrk bc:bc docker-registry:docker-registry runc:runc tmux:tmux jq:jq
)

say() { printf 'test-deps: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# installed PACKAGE [COMMAND]: dpkg has the package, or COMMAND is on PATH
# (the sbin folders included, where dockerd lives).
installed() {
	[ -n "${2:-}" ] && PATH=$PATH:/usr/sbin:/sbin command -v "$2" >/dev/null && return 0
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for entry in "${packages[@]}"; do
	installed "${entry%%:*}" "${entry#*:}" || missing+=("${entry%%:*}")
done
((${#missing[@]})) || exit 0
command -v apt-get >/dev/null || { say "not a Debian or Ubuntu system: install ${missing[*]} yourself"; exit 0; }
say "installing ${missing[*]}"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
