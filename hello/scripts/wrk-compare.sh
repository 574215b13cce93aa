#!/usr/bin/env bash
# Compares the throughput of hello (access log on and off) with the seed
# server it replaces, with wrk over loopback: each server pinned to CPU 0,
# wrk to CPU 1, logs to /dev/null, variants interleaved round by round.
# Prints the median requests/s of each variant and its ratio to the seed.
# The seed is the bench module's copy (../bench/baseline/seedserver), built
# outside the workspace; "seed-timeouts" is the same program with
# SEED_TIMEOUTS=1, hello's default http.Server timeouts: the cost of the
# timeouts alone.
#
#   scripts/wrk-compare.sh [rounds] [seconds]      (defaults: 5 rounds, 5 s)
#
# Needs wrk and taskset (Debian: apt-get install wrk util-linux) and 2 CPUs.
set -euo pipefail
rounds=${1:-5}
secs=${2:-5}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
pid=

CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/hello" .
CGO_ENABLED=0 GOWORK=off go -C ../bench build -trimpath -ldflags='-s -w' -o "$tmp/seed" ./baseline/seedserver
port=18123

start() { # variant
	case $1 in
	seed) SEED_ADDR=127.0.0.1:$port taskset -c 0 "$tmp/seed" >/dev/null & ;;
	seed-timeouts) SEED_ADDR=127.0.0.1:$port SEED_TIMEOUTS=1 taskset -c 0 "$tmp/seed" >/dev/null & ;;
	hello-log-off) taskset -c 0 "$tmp/hello" -addr 127.0.0.1:$port -access-log=false >/dev/null & ;;
	hello-log-on) taskset -c 0 "$tmp/hello" -addr 127.0.0.1:$port >/dev/null & ;;
	esac
	pid=$!
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && return
		sleep 0.05
	done
	echo "server $1 did not start" >&2
	exit 1
}

variants="seed seed-timeouts hello-log-off hello-log-on"
for r in $(seq "$rounds"); do
	for v in $variants; do
		start "$v"
		rps=$(taskset -c 1 wrk -t1 -c10 -d"${secs}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}')
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		echo "$v $rps" >>"$tmp/results"
		echo "round $r: $v $rps req/s" >&2
	done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seed=$(awk '$1=="seed" {print $2}' "$tmp/results" | median)
for v in $variants; do
	m=$(awk -v v="$v" '$1==v {print $2}' "$tmp/results" | median)
	printf '%-14s %10.0f req/s  %.2f of seed\n' "$v" "$m" "$(echo "$m / $seed" | bc -l)"
done
