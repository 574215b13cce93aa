#!/usr/bin/env bash
# hello-callgrind.sh: instructions per request of hello and the seed server,
# counted by valgrind's callgrind, which unlike wall-clock throughput is
# repeatable on a busy shared machine.
#
#   bench/scripts/hello-callgrind.sh [requests]     (default 5000)
#
# For each server (the seed, the seed with hello's timeouts, hello with the
# access log on and off): start it under callgrind with GOMAXPROCS=1, warm it
# up with wrk for 3 s, zero the counters, send the requests with wrk (one
# thread, 4 connections, stopped by a Lua hook after the count), dump, and
# print instructions per request. Each callgrind profile stays in
# bench/out/callgrind/ for callgrind_annotate. Needs valgrind, wrk, curl.
#
# GODEBUG: valgrind 3.19 knows neither RDTSCP nor AVX-512, and callgrind
# asserts on the signals of Go's asynchronous preemption.
set -euo pipefail
reqs=${1:-5000}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/out/callgrind
mkdir -p "$out"
CGO_ENABLED=0 go -C "$root/hello" build -trimpath -o "$out/hello" .
CGO_ENABLED=0 GOWORK=off go -C "$root/bench" build -trimpath -o "$out/seedserver" ./baseline/seedserver
cat >"$out/count.lua" <<'LUA'
local n, limit = 0, 0
function init(args) limit = tonumber(args[1]) end
function response() n = n + 1; if n >= limit then wrk.thread:stop() end end
LUA

measure() { # name port cmd...
	local name=$1 port=$2; shift 2
	GOMAXPROCS=1 GODEBUG=cpu.rdtscp=off,cpu.avx512f=off,asyncpreemptoff=1 \
		valgrind --tool=callgrind --callgrind-out-file="$out/$name.out" "$@" >/dev/null 2>"$out/$name.valgrind.log" &
	local pid=$!
	for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
	wrk -t1 -c4 -d3s "http://127.0.0.1:$port/" >/dev/null
	callgrind_control -z "$pid" >/dev/null
	local done
	done=$(wrk -t1 -c4 -d300s -s "$out/count.lua" "http://127.0.0.1:$port/" -- "$reqs" | awk '/requests in/ {print $1}')
	callgrind_control -d "$pid" >/dev/null
	sleep 1
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local file ir
	file=$(ls -t "$out/$name.out"* | head -1)
	ir=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
	printf '%-30s %8d requests %14d instructions %8d per request\n' "$name" "$done" "$ir" "$((ir / done))"
}

port=$((20000 + RANDOM % 10000))
# The seed's switches are environment variables (bench/baseline/seedserver):
# set for measure, they reach the server through valgrind.
SEED_ADDR=127.0.0.1:$port measure seed $port "$out/seedserver"
SEED_ADDR=127.0.0.1:$((port + 1)) SEED_TIMEOUTS=1 measure seed-timeouts $((port + 1)) "$out/seedserver"
measure hello-log-on $((port + 2)) "$out/hello" -addr 127.0.0.1:$((port + 2))
measure hello-log-off $((port + 3)) "$out/hello" -addr 127.0.0.1:$((port + 3)) -access-log=false
