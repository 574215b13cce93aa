#!/usr/bin/env bash
# buildkit.sh runs a BuildKit daemon on this machine behind a buildx "remote"
# builder: the kind of builder GitHub's setup-buildx-action gives the release
# job, able to build for several platforms at once and push an index with
# attestations. The engine's own "docker" driver (20.10) can do neither, and
# the moby/buildkit image cannot be pulled here.
#
#   scripts/machine/buildkit.sh [start]   build buildkitd once (cached), start it, create
#                                 the builder; prints the builder's name
#   scripts/machine/buildkit.sh stop      stop the buildkitd this script started, remove the builder
#   scripts/machine/buildkit.sh status    exit 0 when the builder answers
#
# buildkitd runs on the host with Debian's runc (OCI worker). Registries on
# loopback are reached over plain HTTP: BUILDKIT_HTTP_REGISTRIES lists them
# (space-separated host:port; default localhost:5000 127.0.0.1:5000), and a
# daemon started with another list is restarted.
#
# Environment:
#   BUILDKIT_VERSION      module version of github.com/moby/buildkit (default below)
#   BUILDKIT_BUILDER      buildx builder name (default go-multistage)
#   GO_MULTISTAGE_STATE   state dir: socket, log, config, BuildKit's own root
#   GO_MULTISTAGE_CACHE   cache that outlives the run, for the buildkitd binary
set -euo pipefail

BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
builder=${BUILDKIT_BUILDER:-go-multistage}
state_dir=${GO_MULTISTAGE_STATE:-${TMPDIR:-/tmp}/go-multistage}/buildkit
cache_dir=${GO_MULTISTAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/go-multistage}
registries=${BUILDKIT_HTTP_REGISTRIES:-localhost:5000 127.0.0.1:5000}
bin=$cache_dir/buildkitd-$BUILDKIT_VERSION/buildkitd
sock=$state_dir/buildkitd.sock
log_file=$state_dir/buildkitd.log
config=$state_dir/buildkitd.toml

say() { printf 'buildkit: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_binary builds buildkitd from the module proxy into the cache. Its
# go.mod has exclude directives, so `go install pkg@version` is refused: it is
# built from a throwaway module instead (about 2.5 minutes on 2 cores, once).
ensure_binary() {
	[ -x "$bin" ] && return 0
	command -v go >/dev/null || die "no Go toolchain to build buildkitd"
	say "building buildkitd $BUILDKIT_VERSION into $(dirname "$bin") (about 3 minutes, once)"
	local work
	work=$(mktemp -d)
	(
		cd "$work"
		export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
		go mod init buildkitd-build >/dev/null 2>&1
		go get "github.com/moby/buildkit/cmd/buildkitd@$BUILDKIT_VERSION" >/dev/null 2>&1 ||
			go get "github.com/moby/buildkit/cmd/buildkitd@$BUILDKIT_VERSION"
		go build -trimpath -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
			-o "$work/buildkitd" github.com/moby/buildkit/cmd/buildkitd
	) || { rm -rf "$work"; die "building buildkitd failed"; }
	mkdir -p "$(dirname "$bin")"
	mv "$work/buildkitd" "$bin"
	rm -rf "$work"
}

# running_pid prints the pid of the buildkitd serving our socket, if any
# (setsid may fork, so $! is not always buildkitd's pid: look it up).
running_pid() {
	pgrep -f -x -- "$bin --root $state_dir/root --addr unix://$sock .*" | head -n 1 || true
}

write_config() {
	local reg
	{
		echo '# Written by scripts/machine/buildkit.sh.'
		echo '[worker.oci]'
		echo '  enabled = true'
		echo '  gc = true'
		echo '  gckeepstorage = "10GB"'
		echo '[worker.containerd]'
		echo '  enabled = false'
		for reg in $(printf '%s\n' $registries | sort -u); do
			printf '[registry."%s"]\n  http = true\n  insecure = true\n' "$reg"
		done
	} >"$1"
}

builder_up() {
	docker buildx inspect --bootstrap "$builder" >/dev/null 2>&1
}

start() {
	command -v runc >/dev/null || [ -x /usr/sbin/runc ] || die "runc not found (apt-get install runc)"
	export PATH=$PATH:/usr/sbin:/sbin
	ensure_binary
	mkdir -p "$state_dir"
	local want pid i
	want=$(mktemp)
	write_config "$want"
	pid=$(running_pid)
	if [ -n "$pid" ]; then
		if cmp -s "$want" "$config" && [ -S "$sock" ]; then
			rm -f "$want"
			builder_up || create_builder
			printf '%s\n' "$builder"
			return 0
		fi
		say "restarting buildkitd with new registry settings"
		stop_daemon
	fi
	mv "$want" "$config"
	rm -f "$sock"
	say "starting buildkitd (log: $log_file)"
	as_root setsid "$bin" --root "$state_dir/root" --addr "unix://$sock" \
		--oci-worker=true --containerd-worker=false --config "$config" \
		>"$log_file" 2>&1 </dev/null &
	for ((i = 0; i < 120; i++)); do
		[ -S "$sock" ] && break
		if ((i > 8)) && ! running_pid >/dev/null; then
			tail -n 20 "$log_file" >&2
			die "buildkitd exited"
		fi
		sleep 0.25
	done
	[ -S "$sock" ] || { tail -n 20 "$log_file" >&2; die "buildkitd did not open $sock"; }
	create_builder
	printf '%s\n' "$builder"
}

create_builder() {
	docker buildx rm "$builder" >/dev/null 2>&1 || true
	docker buildx create --name "$builder" --driver remote "unix://$sock" >/dev/null
	builder_up || die "buildx builder $builder does not answer (see $log_file)"
}

stop_daemon() {
	local pid i
	pid=$(running_pid)
	[ -n "$pid" ] || { rm -f "$sock"; return 0; }
	as_root kill -TERM "$pid"
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.25
	done
	kill -0 "$pid" 2>/dev/null && as_root kill -KILL "$pid"
	rm -f "$sock"
}

case ${1:-start} in
start) start ;;
stop)
	docker buildx rm "$builder" >/dev/null 2>&1 || true
	stop_daemon
	;;
status) builder_up ;;
*)
	say "usage: $0 [start|stop|status]"
	exit 2
	;;
esac
