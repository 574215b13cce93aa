#!/usr/bin/env bash
# docker-build.sh builds an image with the BuildKit builder this machine has.
# It is the one place that decides which: scripts/build-images.sh, the e2e
# tests and the bench harness all build through it.
#
#   scripts/docker-build.sh [docker build flags] CONTEXT
#
# In order of preference:
#   docker buildx build --load ...        the buildx plugin (scripts/machine/docker-engine.sh installs it)
#   DOCKER_BUILDKIT=1 docker build ...    a client before 23, whose classic builder still has BuildKit
#   DOCKER_BUILDKIT=1 /usr/bin/docker build ...   the same, Debian's 20.10 client beside a newer one
# The Dockerfiles need BuildKit (cache mounts), so there is no other fallback:
# a newer client without buildx is an error.
set -euo pipefail

if docker buildx version >/dev/null 2>&1; then
	exec docker buildx build --load "$@"
fi

# client_major prints the major version of a docker client, or nothing.
client_major() {
	"$1" version --format '{{.Client.Version}}' 2>/dev/null | head -n 1 | cut -d. -f1 || true
}

for client in docker /usr/bin/docker; do
	command -v "$client" >/dev/null || continue
	major=$(client_major "$client")
	case $major in
	'' | *[!0-9]*) continue ;;
	esac
	if [ "$major" -lt 23 ]; then
		DOCKER_BUILDKIT=1 exec "$client" build "$@"
	fi
done

echo "docker-build: no BuildKit builder: install the buildx plugin (scripts/machine/docker-engine.sh start)" >&2
exit 1
