#!/usr/bin/env bash
# build-images.sh builds the four local images from source (`make images`):
#
#   hello:dev              Dockerfile.hello       target source-alpine   (the seed 000 flavour)
#   hello:dev-scratch      Dockerfile.hello       target source-scratch
#   calculator:dev         Dockerfile.calculator  target source-scratch  (the seed 004 flavour)
#   calculator:dev-alpine  Dockerfile.calculator  target source-alpine
#
# VERSION, COMMIT and DATE come from git (override them in the environment);
# DATE is the commit's date, so rebuilding the same commit gives the same labels.
#
# Environment:
#   GO_IMAGE, ALPINE_IMAGE  base images; unset means the Dockerfiles' defaults
#   STANDINS=1              build and use the offline stand-ins (scripts/machine/standins.sh)
#   IMAGE_TAG               tag instead of "dev" (hello:$IMAGE_TAG, hello:$IMAGE_TAG-scratch, ...)
#   BUILD_FLAGS             extra flags for every build, e.g. --progress=plain
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${STANDINS:-}" = 1 ]; then
	eval "$(scripts/machine/standins.sh env)"
fi

git_out() { git -C "$root" "$@" 2>/dev/null || true; }
VERSION=${VERSION:-$(git_out describe --tags --match 'v[0-9]*' --always --dirty)}
VERSION=${VERSION:-dev}
COMMIT=${COMMIT:-$(git_out rev-parse HEAD)}
DATE=${DATE:-$(TZ=UTC git_out log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd)}
tag=${IMAGE_TAG:-dev}

# scripts/docker-build.sh picks the builder (buildx, or BuildKit in an older
# client's classic builder): the one place that decides.
build=("$root/scripts/docker-build.sh")

args=(--build-arg "VERSION=$VERSION" --build-arg "COMMIT=$COMMIT" --build-arg "DATE=$DATE")
[ -n "${GO_IMAGE:-}" ] && args+=(--build-arg "GO_IMAGE=$GO_IMAGE")
[ -n "${ALPINE_IMAGE:-}" ] && args+=(--build-arg "ALPINE_IMAGE=$ALPINE_IMAGE")
read -r -a extra <<<"${BUILD_FLAGS:-}"

one() { # one DOCKERFILE TARGET IMAGE
	printf 'build-images: %s (%s, target %s)\n' "$3" "$1" "$2" >&2
	"${build[@]}" "${args[@]}" ${extra[@]+"${extra[@]}"} -f "$1" --target "$2" -t "$3" .
}

one Dockerfile.hello source-alpine "hello:$tag"
one Dockerfile.hello source-scratch "hello:$tag-scratch"
one Dockerfile.calculator source-scratch "calculator:$tag"
one Dockerfile.calculator source-alpine "calculator:$tag-alpine"

docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' |
	grep -E "^(hello|calculator):$tag(-scratch|-alpine)?\s" >&2 || true
