#!/usr/bin/env bash
# hello-callgrind.sh: instructions per request of hello and the seed server,
# counted by valgrind's callgrind, which unlike wall-clock throughput is
# repeatable on a busy shared machine.
#
#   bench/scripts/hello-callgrind.sh [SECONDS [SERVER...]]
#
# SECONDS (default 5) is how long the counted load runs; SERVERs are any of
# seed, seed-timeouts, hello-log-on, hello-log-off (default: all four).
#
# For each server: start it under callgrind with GOMAXPROCS=1, warm it up
# with wrk for 2 s, zero the counters, load it with wrk for SECONDS (one
# thread, 4 connections, GET /), dump the counters and print the
# instructions counted divided by the responses wrk read. Every step has a
# time limit, and the server is killed on any exit, so the script cannot
# hang: about 15 s per server with the default. Each profile stays in
# bench/out/callgrind/NAME.out.1 for callgrind_annotate. Needs valgrind,
# wrk and curl. Kernel time (the read and write system calls) is not
# counted: differences here overstate throughput differences.
#
# GODEBUG: valgrind 3.19 knows neither RDTSCP nor AVX-512, and callgrind
# asserts on the signals of Go's asynchronous preemption.
set -euo pipefail
secs=${1:-5}
shift || true
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(seed seed-timeouts hello-log-on hello-log-off)
case $secs in '' | *[!0-9]*)
	echo "hello-callgrind.sh: SECONDS must be a whole number, not '$secs'" >&2
	exit 2
	;;
esac
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
	command -v "$tool" >/dev/null || {
		echo "hello-callgrind.sh: $tool is not installed" >&2
		exit 1
	}
done

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/out/callgrind
mkdir -p "$out"
CGO_ENABLED=0 go -C "$root/hello" build -trimpath -o "$out/hello" .
CGO_ENABLED=0 GOWORK=off go -C "$root/bench" build -trimpath -o "$out/seedserver" ./baseline/seedserver

pid=
cleanup() { [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# responses URL SECONDS: runs wrk and prints the number of responses read.
responses() {
	timeout $(($2 + 30)) wrk -t1 -c4 -d"$2"s "$1" | awk '/requests in/ {print $1}'
}

measure() { # name port cmd...
	local name=$1 port=$2
	shift 2
	local url=http://127.0.0.1:$port/
	rm -f "$out/$name.out"*
	GOMAXPROCS=1 GODEBUG=cpu.rdtscp=off,cpu.avx512f=off,asyncpreemptoff=1 \
		valgrind --tool=callgrind --callgrind-out-file="$out/$name.out" "$@" >/dev/null 2>"$out/$name.valgrind.log" &
	pid=$!
	local up=
	for _ in $(seq 300); do
		if curl -fs -m 2 "$url" >/dev/null 2>&1; then
			up=1
			break
		fi
		sleep 0.1
	done
	[ -n "$up" ] || {
		echo "hello-callgrind.sh: $name did not answer on $url within 30 s; see $out/$name.valgrind.log" >&2
		exit 1
	}
	responses "$url" 2 >/dev/null
	timeout 30 callgrind_control -z "$pid" >/dev/null 2>&1
	local n
	n=$(responses "$url" "$secs")
	timeout 30 callgrind_control -d "$pid" >/dev/null 2>&1
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	local ir
	ir=$(callgrind_annotate "$out/$name.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
	if [ -z "$ir" ] || [ -z "$n" ] || [ "$n" -eq 0 ]; then
		echo "hello-callgrind.sh: $name: no count (instructions '$ir', responses '$n')" >&2
		exit 1
	fi
	printf '%-14s %7d responses %14d instructions %8d per request\n' "$name" "$n" "$ir" "$((ir / n))"
}

port=$((20000 + RANDOM % 10000))
# The seed's switches are environment variables (bench/baseline/seedserver):
# set for measure, they reach the server through valgrind.
for s in "${servers[@]}"; do
	port=$((port + 1))
	case $s in
	seed) SEED_ADDR=127.0.0.1:$port measure seed $port "$out/seedserver" ;;
	seed-timeouts) SEED_ADDR=127.0.0.1:$port SEED_TIMEOUTS=1 measure seed-timeouts $port "$out/seedserver" ;;
	hello-log-on) measure hello-log-on $port "$out/hello" -addr 127.0.0.1:$port ;;
	hello-log-off) measure hello-log-off $port "$out/hello" -addr 127.0.0.1:$port -access-log=false ;;
	*)
		echo "hello-callgrind.sh: unknown server '$s' (seed, seed-timeouts, hello-log-on, hello-log-off)" >&2
		exit 2
		;;
	esac
done
