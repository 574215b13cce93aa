#!/usr/bin/env bash
# test-deps.sh installs the Debian packages the tests need when any is
# missing (`make deps`, a prerequisite of `make test`):
#
#   docker.io          the engine (scripts/docker-engine.sh starts it)
#   busybox-static     the offline alpine stand-in (scripts/standins.sh)
#   qemu-user-static   runs the arm64 release binaries (e2e/release)
#   file, systemd      release checks (file types, systemd-analyze verify)
#   rpm                installs the rpm packages into a scratch root (e2e/release)
#   dash, curl, wget   install.sh's shells and downloaders (e2e/release)
#   shellcheck         lints install.sh (make check)
#   tmux               the calculator's terminal tests (a real pty, screen read back)
#   wrk, bc            benchmarks (bench/)
#   docker-registry    the OCI registry of the release rehearsal (scripts/registry.sh)
#   runc, curl         BuildKit's runtime (scripts/buildkit.sh), registry probes
#
# Quiet when everything is there. Elsewhere than Debian it only says what is
# missing: the tests that need it then skip, or fail when CI is set.
set -euo pipefail

packages=(git make file docker.io busybox-static qemu-user-static systemd rpm dash curl wget shellcheck wrk bc docker-registry runc tmux)

say() { printf 'test-deps: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

command -v dpkg-query >/dev/null || { say "not a Debian system: install ${packages[*]} yourself"; exit 0; }
missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
say "installing ${missing[*]}"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
