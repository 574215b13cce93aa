#!/usr/bin/env bash
# standins.sh builds offline stand-ins for the two public base images the
# Dockerfiles use, for machines that cannot pull from a registry (our CI):
#
#   ALPINE_IMAGE  go-multistage/alpine-standin:local  Debian's static busybox with
#                 its applet links, /etc/passwd, /etc/group and the host's CA
#                 bundle (about 2 MB), in place of alpine:3.x.
#   GO_IMAGE      go-multistage/golang-standin:local  the same root filesystem plus
#                 the host's Go toolchain (GOROOT copied to /usr/local/go), laid
#                 out like golang:1.x-alpine (GOPATH=/go, GOTOOLCHAIN=local).
#
#   scripts/machine/standins.sh [build]   build both when missing or outdated
#   scripts/machine/standins.sh env       the same, then print export lines:
#                                 eval "$(scripts/machine/standins.sh env)"
#   scripts/machine/standins.sh auto      print those export lines only when needed:
#                                 with STANDINS=1 always; with STANDINS=0, or
#                                 GO_IMAGE/ALPINE_IMAGE already set, never;
#                                 otherwise when a default base of the
#                                 Dockerfiles is neither in the engine nor
#                                 pullable (an offline machine)
#   scripts/machine/standins.sh push PREFIX
#                                 build a two-platform (linux/amd64, linux/arm64)
#                                 alpine stand-in with the buildx builder
#                                 BUILDX_BUILDER and push it as PREFIX/alpine:local
#                                 to a registry (for scripts/publish-local.sh, whose
#                                 BuildKit cannot see the engine's images); prints
#                                 the export line
#   scripts/machine/standins.sh clean     remove both images
#
# Idempotent: each image carries a label with a hash of everything it is made
# of (this script, busybox, the CA bundle, the Go version); a rebuild happens
# only when that hash changes. Needs a running engine (scripts/machine/docker-engine.sh),
# and installs busybox-static with apt when it is missing.
#
# Environment: BUSYBOX (a static busybox binary to use instead of Debian's),
# STANDIN_ALPINE_IMAGE / STANDIN_GO_IMAGE (image names), GOROOT (default: `go env GOROOT`).
set -euo pipefail

alpine_image=${STANDIN_ALPINE_IMAGE:-go-multistage/alpine-standin:local}
go_image=${STANDIN_GO_IMAGE:-go-multistage/golang-standin:local}
hash_label=io.github.go-multistage.standin.hash
ca_bundle=/etc/ssl/certs/ca-certificates.crt
sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cache_dir=${GO_MULTISTAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/go-multistage}

say() { printf 'standins: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# find_busybox prints the path of a statically linked busybox, installing
# Debian's busybox-static when needed (the dynamic `busybox` package would
# not run in an image without a libc).
find_busybox() {
	if [ -n "${BUSYBOX:-}" ]; then
		printf '%s\n' "$BUSYBOX"
		return
	fi
	if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
		command -v apt-get >/dev/null || die "no busybox-static: set BUSYBOX to a static busybox binary"
		say "installing busybox-static with apt-get"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 ||
			{ as_root apt-get update -qq >/dev/null &&
				as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; }
	fi
	dpkg -L busybox-static | grep -m1 '/bin/busybox$'
}

# image_hash prints the content hash label of an image, or nothing.
image_hash() {
	docker image inspect -f "{{ index .Config.Labels \"$hash_label\" }}" "$1" 2>/dev/null || true
}

# arm64_busybox prints the path of Debian's arm64 busybox-static, downloaded
# once into the cache. apt runs with lists of its own, so the machine's apt
# configuration (architectures, lists) is left as it is.
arm64_busybox() {
	local dir=$cache_dir/busybox-static-arm64 tmp opts
	if [ ! -x "$dir/bin/busybox" ]; then
		command -v apt-get >/dev/null || die "no apt-get to download arm64 busybox-static"
		say "downloading Debian's busybox-static for arm64 (once)"
		tmp=$(mktemp -d)
		opts=(-o APT::Architectures::=amd64 -o APT::Architectures::=arm64
			-o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache")
		mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb"
		as_root apt-get -qq "${opts[@]}" update >/dev/null 2>&1 || { rm -rf "$tmp"; die "apt-get update (arm64 lists) failed"; }
		(cd "$tmp/deb" && as_root apt-get -qq "${opts[@]}" download busybox-static:arm64 >/dev/null 2>&1) ||
			{ rm -rf "$tmp"; die "apt-get download busybox-static:arm64 failed"; }
		dpkg-deb -x "$tmp"/deb/busybox-static_*_arm64.deb "$tmp/x"
		mkdir -p "$dir/bin"
		install -m 0755 "$tmp/x/bin/busybox" "$dir/bin/busybox"
		rm -rf "$tmp"
	fi
	printf '%s\n' "$dir/bin/busybox"
}

# make_rootfs fills $1 with the alpine-like root filesystem, with $2 (default
# $busybox) as /bin/busybox. The applet links come from the host's busybox,
# which runs here whatever the target architecture.
make_rootfs() {
	local root=$1 target_busybox=${2:-$busybox} applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc/ssl/certs,root,tmp,var/tmp,home,proc,sys,dev}
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 0700 "$root/root"
	cp "$target_busybox" "$root/bin/busybox"
	chmod 0755 "$root/bin/busybox"
	# Applet links where alpine has them (bin/sh, usr/bin/wget, ...).
	for applet in $("$busybox" --list-full); do
		case $applet in bin/* | sbin/* | usr/bin/* | usr/sbin/*) ;; *) continue ;; esac
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
PASSWD
	cat >"$root/etc/group" <<'GROUP'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
nogroup:x:65533:
nobody:x:65534:
GROUP
	cat >"$root/etc/os-release" <<'OSREL'
NAME="go-multistage alpine stand-in"
ID=busybox
PRETTY_NAME="busybox stand-in for alpine (offline tests only)"
OSREL
	echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
	cp "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
	ln -s certs/ca-certificates.crt "$root/etc/ssl/cert.pem"
}

# import_dir turns directory $1 into image $2 with the given --change options.
import_dir() {
	local dir=$1 name=$2 old
	shift 2
	old=$(docker image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
	# Fixed owners, order and times: the same inputs give the same layer.
	tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -c . |
		docker import "$@" - "$name" >/dev/null
	# Drop the image the tag pointed at before, unless something still uses it.
	if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$name")" ]; then
		docker image rm "$old" >/dev/null 2>&1 || true
	fi
}

build() {
	command -v docker >/dev/null || die "no docker client (run scripts/machine/docker-engine.sh)"
	docker info >/dev/null 2>&1 || die "no Docker engine answers (run scripts/machine/docker-engine.sh)"
	[ -f "$ca_bundle" ] || die "no CA bundle at $ca_bundle (install ca-certificates)"
	busybox=$(find_busybox)
	[ -x "$busybox" ] || die "busybox not found at $busybox"
	local goroot go_version base_hash alpine_hash go_hash
	goroot=${GOROOT:-$(go env GOROOT)}
	go_version=$("$goroot/bin/go" env GOVERSION)
	base_hash=$(cat "$0" "$busybox" "$ca_bundle" | sha256sum | cut -c1-16)
	alpine_hash=$base_hash
	go_hash=$(printf '%s %s %s\n' "$base_hash" "$go_version" "$(cat "$goroot/VERSION")" | sha256sum | cut -c1-16)

	if [ "$(image_hash "$alpine_image")" = "$alpine_hash" ] && [ "$(image_hash "$go_image")" = "$go_hash" ]; then
		return 0
	fi
	work=$(mktemp -d) # global: the EXIT trap needs it
	trap 'rm -rf "$work"' EXIT
	make_rootfs "$work/rootfs"

	if [ "$(image_hash "$alpine_image")" != "$alpine_hash" ]; then
		say "building $alpine_image"
		import_dir "$work/rootfs" "$alpine_image" \
			--change "ENV PATH=$sys_path" \
			--change 'CMD ["/bin/sh"]' \
			--change "LABEL $hash_label=$alpine_hash"
	fi
	if [ "$(image_hash "$go_image")" != "$go_hash" ]; then
		say "building $go_image from $goroot ($go_version)"
		mkdir -p "$work/rootfs/go/bin" "$work/rootfs/go/src" "$work/rootfs/usr/local"
		chmod -R 0777 "$work/rootfs/go"
		cp -a "$goroot" "$work/rootfs/usr/local/go"
		import_dir "$work/rootfs" "$go_image" \
			--change "ENV PATH=/go/bin:/usr/local/go/bin:$sys_path" \
			--change 'ENV GOPATH=/go' \
			--change 'ENV GOTOOLCHAIN=local' \
			--change "ENV GOLANG_VERSION=${go_version#go}" \
			--change 'WORKDIR /go' \
			--change 'CMD ["/bin/sh"]' \
			--change "LABEL $hash_label=$go_hash"
	fi
}

print_env() {
	build
	printf 'export ALPINE_IMAGE=%s\nexport GO_IMAGE=%s\n' "$alpine_image" "$go_image"
}

# default_bases prints the base images the Dockerfiles name by default:
# the pins of Dockerfile.hello, which every Dockerfile carries (a test keeps
# them equal).
default_bases() {
	local dockerfile
	dockerfile="$(cd "$(dirname "$0")/../.." && pwd)/Dockerfile.hello"
	[ -f "$dockerfile" ] || die "no $dockerfile"
	sed -n -E 's/^ARG (GO|ALPINE)_IMAGE=([^[:space:]]+)[[:space:]]*$/\2/p' "$dockerfile" | sort -u
}

# auto decides between the real bases and the stand-ins (see the header).
# Snapshots and tests only: a published release never goes through here.
auto() {
	case ${STANDINS:-} in
	1) print_env; return ;;
	0) return ;;
	esac
	[ -z "${GO_IMAGE:-}${ALPINE_IMAGE:-}" ] || return 0
	local base
	for base in $(default_bases); do
		docker image inspect "$base" >/dev/null 2>&1 && continue
		docker pull -q "$base" >/dev/null 2>&1 && continue
		say "cannot pull $base: using the offline stand-ins (STANDINS=0 forbids this)"
		print_env
		return
	done
}

# push builds the two-platform alpine stand-in and pushes it under prefix $1.
push() {
	local prefix=$1 ref hash
	[ -n "${BUILDX_BUILDER:-}" ] || die "push needs BUILDX_BUILDER: a builder that can push several platforms (scripts/machine/buildkit.sh)"
	busybox=$(find_busybox)
	local arm
	arm=$(arm64_busybox)
	work=$(mktemp -d) # global: the EXIT trap needs it
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/ctx"
	make_rootfs "$work/amd64" "$busybox"
	make_rootfs "$work/arm64" "$arm"
	local arch
	for arch in amd64 arm64; do
		tar -C "$work/$arch" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/ctx/rootfs-$arch.tar" .
	done
	hash=$(cat "$0" "$work/ctx/rootfs-amd64.tar" "$work/ctx/rootfs-arm64.tar" | sha256sum | cut -c1-16)
	cat >"$work/ctx/Dockerfile" <<DOCKERFILE
FROM scratch
ARG TARGETARCH
ADD rootfs-\${TARGETARCH}.tar /
ENV PATH=$sys_path
LABEL $hash_label=$hash
CMD ["/bin/sh"]
DOCKERFILE
	ref=$prefix/alpine:local
	say "pushing $ref (linux/amd64, linux/arm64)"
	docker buildx build --builder "$BUILDX_BUILDER" --platform linux/amd64,linux/arm64 \
		--provenance=false --push -t "$ref" -q "$work/ctx" >/dev/null ||
		die "pushing $ref failed"
	printf 'export ALPINE_IMAGE=%s\n' "$ref"
}

case ${1:-build} in
build) build ;;
push)
	[ $# -eq 2 ] || die "usage: $0 push PREFIX (a registry path, e.g. localhost:5000/standins)"
	push "$2"
	;;
env) print_env ;;
auto) auto ;;
clean) docker image rm "$alpine_image" "$go_image" >/dev/null 2>&1 || true ;;
*)
	say "usage: $0 [build|env|auto|clean|push PREFIX]"
	exit 2
	;;
esac
