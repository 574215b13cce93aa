#!/usr/bin/env bash
# docker-engine.sh makes sure a Docker engine answers and the buildx and
# compose plugins are installed, or tears down an engine it started itself.
#
#   scripts/machine/docker-engine.sh [start]   ensure engine + buildx + compose (quiet when all are there)
#   scripts/machine/docker-engine.sh stop      stop the dockerd this script started, if any
#   scripts/machine/docker-engine.sh status    exit 0 when the engine answers
#
# On a bare Debian machine `start` installs docker.io with apt, starts dockerd
# in the background and records its pid, so that `stop` ends only an engine we
# started. An engine that was already running is never touched.
#
# Environment:
#   GO_MULTISTAGE_STATE   state dir for the pid file and dockerd log
#                         (default ${TMPDIR:-/tmp}/go-multistage)
#   GO_MULTISTAGE_CACHE   cache that outlives the run, for the plugin binaries
#                         (default ${XDG_CACHE_HOME:-$HOME/.cache}/go-multistage)
#   BUILDX_VERSION        buildx module version to build (default below)
#   COMPOSE_VERSION       compose module version to build (default below)
#   DOCKER_WAIT           seconds to wait for the engine (default 60)
set -euo pipefail

BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
COMPOSE_VERSION=${COMPOSE_VERSION:-v5.6.0}
state_dir=${GO_MULTISTAGE_STATE:-${TMPDIR:-/tmp}/go-multistage}
cache_dir=${GO_MULTISTAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/go-multistage}
pid_file=$state_dir/dockerd.pid
log_file=$state_dir/dockerd.log
plugin_dir=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
wait_secs=${DOCKER_WAIT:-60}

say() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# as_root runs a command as root, through sudo when we are not root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

engine_up() { docker info >/dev/null 2>&1; }

# started_pid prints the pid of the dockerd we started, if it still runs
# (a stale pid file may name a reused pid: check the command too).
started_pid() {
	[ -f "$pid_file" ] || return 1
	local pid
	pid=$(cat "$pid_file")
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
	printf '%s\n' "$pid"
}

install_engine() {
	command -v apt-get >/dev/null || die "no dockerd and no apt-get: install Docker yourself"
	say "installing docker.io with apt-get (about a minute)"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
}

start_engine() {
	engine_up && return 0
	if ! command -v dockerd >/dev/null && [ ! -x /usr/sbin/dockerd ]; then
		install_engine
	fi
	export PATH=$PATH:/usr/sbin:/sbin
	mkdir -p "$state_dir"
	rm -f "$pid_file"
	say "starting dockerd (log: $log_file)"
	# setsid: the engine must outlive this script and its terminal. dockerd
	# writes its own pid to $pid_file, which marks it as ours for `stop`.
	as_root setsid dockerd --pidfile "$pid_file" >"$log_file" 2>&1 </dev/null &
	local bg=$! i
	for ((i = 0; i < wait_secs * 2; i++)); do
		engine_up && return 0
		kill -0 "$bg" 2>/dev/null || { tail -n 20 "$log_file" >&2; die "dockerd exited"; }
		sleep 0.5
	done
	tail -n 20 "$log_file" >&2
	die "engine did not answer within ${wait_secs}s"
}

# ensure_plugin NAME MODULE VERSION PACKAGE LDFLAGS MINUTES makes `docker NAME`
# answer. When no such CLI plugin runs, it builds PACKAGE (a folder of MODULE)
# at MODULE@VERSION, downloaded through the Go module proxy, into the cache
# (one folder per version, so that a new pin gets built) and links the binary
# into the plugin folder as docker-NAME. The build runs inside the module as
# its own main module, so that its go.mod (exclude and replace directives,
# which `go install pkg@version` refuses) and go.sum apply as upstream's
# release builds see them. LDFLAGS stamp the plugin's version variable;
# MINUTES is what the first build takes.
ensure_plugin() {
	local name=$1 module=$2 version=$3 pkg=$4 ldflags=$5 minutes=$6 exact=${7:-}
	if [ -n "$exact" ]; then
		# Only the pinned version will do (the tests rely on its behaviour):
		# another one already installed, such as a runner image's, is
		# replaced by a link to the pinned build.
		docker "$name" version 2>/dev/null | grep -qF " $version" && return 0
	else
		docker "$name" version >/dev/null 2>&1 && return 0
	fi
	local gobin=$cache_dir/$name-$version
	if [ ! -x "$gobin/$name" ]; then
		command -v go >/dev/null || die "$name plugin missing and no Go toolchain to build it"
		say "building $name $version into $gobin (about $minutes minutes on 2 cores, once)"
		mkdir -p "$gobin"
		local src
		src=$(cd "$gobin" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$module@$version" |
			sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
		[ -d "$src" ] || die "could not download $module@$version"
		# Build to a temporary name first: an interrupted build leaves no
		# binary that the check above would take for a finished one.
		GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' \
			go -C "$src" build -ldflags "-s -w $ldflags" -o "$gobin/$name.tmp" "$pkg"
		mv "$gobin/$name.tmp" "$gobin/$name"
	fi
	mkdir -p "$plugin_dir"
	ln -sf "$gobin/$name" "$plugin_dir/docker-$name"
	docker "$name" version >/dev/null || die "$name installed at $plugin_dir/docker-$name but does not run"
}

ensure_buildx() {
	ensure_plugin buildx github.com/docker/buildx "$BUILDX_VERSION" ./cmd/buildx \
		"-X github.com/docker/buildx/version.Version=$BUILDX_VERSION" 5
}

ensure_compose() {
	ensure_plugin compose github.com/docker/compose/v5 "$COMPOSE_VERSION" ./cmd \
		"-X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" 3 exact
}

stop_engine() {
	local pid i
	pid=$(started_pid) || { rm -f "$pid_file"; return 0; }
	say "stopping dockerd (pid $pid)"
	as_root kill -TERM "$pid"
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -0 "$pid" 2>/dev/null && die "dockerd (pid $pid) still runs after 30s"
	rm -f "$pid_file"
}

case ${1:-start} in
start)
	start_engine
	ensure_buildx
	ensure_compose
	;;
stop) stop_engine ;;
status) engine_up ;;
*)
	say "usage: $0 [start|stop|status]"
	exit 2
	;;
esac
