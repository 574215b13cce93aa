#!/usr/bin/env bash
# registry.sh runs an OCI registry on loopback for release rehearsals and
# their tests: the CNCF Distribution registry (Debian package docker-registry),
# with its storage under a temporary folder.
#
#   scripts/machine/registry.sh start ADDR [readonly]   start one at ADDR (host:port on
#                                                loopback) unless one answers there
#   scripts/machine/registry.sh stop ADDR               stop the one this script started there
#   scripts/machine/registry.sh status ADDR             exit 0 when a registry answers at ADDR
#
# "readonly" starts it in Distribution's read-only maintenance mode: it answers
# pulls and refuses every push, for testing how a release handles a refusal.
# The Docker engine (20.10) pushes to a 127.0.0.0/8 or localhost registry over
# plain HTTP with no configuration.
set -euo pipefail

state_root=${GO_MULTISTAGE_STATE:-${TMPDIR:-/tmp}/go-multistage}/registry

say() { printf 'registry: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

up() { curl -fsS -o /dev/null --max-time 2 "http://$1/v2/" 2>/dev/null; }

# loopback accepts only addresses on this machine: nothing else is ours.
loopback() {
	case $1 in
	localhost:[0-9]* | 127.*:[0-9]* | \[::1\]:[0-9]*) return 0 ;;
	*) return 1 ;;
	esac
}

dir_for() { printf '%s/%s\n' "$state_root" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9.' _)"; }

ensure_package() {
	command -v docker-registry >/dev/null && return 0
	command -v apt-get >/dev/null || die "docker-registry not found: install the CNCF Distribution registry"
	say "installing docker-registry with apt-get"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null 2>&1 ||
		{ as_root apt-get update -qq >/dev/null &&
			as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null; }
}

start() {
	local addr=$1 mode=${2:-} dir i
	loopback "$addr" || die "$addr is not a loopback address: start your own registry there"
	if up "$addr"; then
		[ -z "$mode" ] || die "a registry already answers at $addr; cannot start a $mode one there"
		return 0
	fi
	ensure_package
	dir=$(dir_for "$addr")
	mkdir -p "$dir"
	rm -rf "$dir/storage"
	local host=${addr%:*}
	[ "$host" = localhost ] && host=127.0.0.1
	{
		echo 'version: 0.1'
		echo 'log: {level: warn}'
		echo 'storage:'
		echo "  filesystem: {rootdirectory: $dir/storage}"
		echo '  delete: {enabled: true}'
		[ "$mode" = readonly ] && echo '  maintenance: {readonly: {enabled: true}}'
		echo "http: {addr: '$host:${addr##*:}'}"
	} >"$dir/config.yml"
	setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	for ((i = 0; i < 100; i++)); do
		up "$addr" && { say "started at $addr${mode:+ ($mode)} (storage $dir/storage)"; return 0; }
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || { tail -n 5 "$dir/registry.log" >&2; die "docker-registry exited"; }
		sleep 0.1
	done
	die "no answer at http://$addr/v2/ after 10s (log $dir/registry.log)"
}

stop() {
	local dir pid
	dir=$(dir_for "$1")
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = docker-registry ]; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -rf "$dir"
}

[ $# -ge 2 ] || { say "usage: $0 start|stop|status ADDR [readonly]"; exit 2; }
case $1 in
start) start "$2" "${3:-}" ;;
stop) stop "$2" ;;
status) up "$2" ;;
*)
	say "usage: $0 start|stop|status ADDR [readonly]"
	exit 2
	;;
esac
