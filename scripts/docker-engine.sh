#!/usr/bin/env bash
# docker-engine.sh makes sure a Docker engine answers and the buildx plugin is
# installed, or tears down an engine it started itself.
#
#   scripts/docker-engine.sh [start]   ensure engine + buildx (quiet when both are there)
#   scripts/docker-engine.sh stop      stop the dockerd this script started, if any
#   scripts/docker-engine.sh status    exit 0 when the engine answers
#
# On a bare Debian machine `start` installs docker.io with apt, starts dockerd
# in the background and records its pid, so that `stop` ends only an engine we
# started. An engine that was already running is never touched.
#
# Environment:
#   GO_MULTISTAGE_STATE   state dir for the pid file and dockerd log
#                         (default ${TMPDIR:-/tmp}/go-multistage)
#   GO_MULTISTAGE_CACHE   cache that outlives the run, for the buildx binary
#                         (default ${XDG_CACHE_HOME:-$HOME/.cache}/go-multistage)
#   BUILDX_VERSION        buildx module version to build (default below)
#   DOCKER_WAIT           seconds to wait for the engine (default 60)
set -euo pipefail

BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
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

ensure_buildx() {
	docker buildx version >/dev/null 2>&1 && return 0
	# One folder per version, so that a new BUILDX_VERSION gets built.
	local gobin=$cache_dir/buildx-$BUILDX_VERSION
	if [ ! -x "$gobin/buildx" ]; then
		command -v go >/dev/null || die "buildx plugin missing and no Go toolchain to build it"
		say "building buildx $BUILDX_VERSION into $gobin (about 5 minutes on 2 cores, once)"
		mkdir -p "$gobin"
		GOBIN=$gobin GOWORK=off GOFLAGS=-buildvcs=false \
			go install -ldflags "-s -w -X github.com/docker/buildx/version.Version=$BUILDX_VERSION" \
			"github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION"
	fi
	mkdir -p "$plugin_dir"
	ln -sf "$gobin/buildx" "$plugin_dir/docker-buildx"
	docker buildx version >/dev/null || die "buildx installed at $plugin_dir/docker-buildx but does not run"
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
	;;
stop) stop_engine ;;
status) engine_up ;;
*)
	say "usage: $0 [start|stop|status]"
	exit 2
	;;
esac
