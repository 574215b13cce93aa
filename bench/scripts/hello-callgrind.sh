#!/usr/bin/env bash
# hello-callgrind.sh: instructions per request of hello and the seed server,
# counted by valgrind's callgrind, which unlike wall-clock throughput is
# nearly repeatable on a busy shared machine.
#
#   bench/scripts/hello-callgrind.sh [SECONDS [SERVER...]]
#
# SECONDS (default 5) is how long each counted load runs; SERVERs are any of
# seed, seed-timeouts, hello-log-on, hello-log-off (default: all four).
# Environment: ROUNDS (default 3) rounds, interleaved (seed, seed-timeouts,
# hello-log-on, hello-log-off, seed, ...); TOP (default 0) prints that many
# functions of each server's last profile, by instructions per request, and
# the TOP functions where hello spends most more and most less than
# seed-timeouts.
#
# For each server and round: start it under callgrind with GOMAXPROCS=1,
# warm it up with wrk for 2 s, zero the counters, load it with wrk for
# SECONDS (one thread, 4 connections, GET /), dump the counters and divide
# the instructions counted by the responses wrk read. Then the median of the
# rounds per server, and its ratio to seed-timeouts (the seed's server with
# hello's default timeouts). Every step has a time limit, and the server is
# killed on any exit, so the script cannot hang: about 15 s per server and
# round with the default.
#
# Profiles stay in bench/out/callgrind/NAME.out.1, recorded with
# --dump-instr=yes for bench/cmd/selfcost (per function, by address;
# callgrind_annotate's own per-function totals are confused by goroutine
# switches). Needs valgrind, wrk and curl. Kernel time (the read and write
# system calls) is not counted: differences here overstate throughput
# differences. Counts move by a few per cent with the machine's load (the
# runtime's timers and background work are paid per second, not per
# request): compare rounds run together.
#
# The servers are built with go.work's toolchain (GOTOOLCHAIN overrides),
# hello with the releases' GOEXPERIMENT.
#
# GODEBUG: valgrind 3.19 knows neither RDTSCP nor AVX-512, and callgrind
# asserts on the signals of Go's asynchronous preemption.
set -euo pipefail
secs=${1:-5}
shift || true
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(seed seed-timeouts hello-log-on hello-log-off)
rounds=${ROUNDS:-3}
top=${TOP:-0}
for v in "SECONDS=$secs" "ROUNDS=$rounds" "TOP=$top"; do
	case ${v#*=} in '' | *[!0-9]*)
		echo "hello-callgrind.sh: ${v%%=*} must be a whole number, not '${v#*=}'" >&2
		exit 2
		;;
	esac
done
for s in "${servers[@]}"; do
	case $s in seed | seed-timeouts | hello-log-on | hello-log-off) ;; *)
		echo "hello-callgrind.sh: unknown server '$s' (seed, seed-timeouts, hello-log-on, hello-log-off)" >&2
		exit 2
		;;
	esac
done
for tool in valgrind callgrind_control wrk curl; do
	command -v "$tool" >/dev/null || {
		echo "hello-callgrind.sh: $tool is not installed" >&2
		exit 1
	}
done

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/out/callgrind
mkdir -p "$out"
# The Go of the releases, go.work's toolchain line, as the Makefile does,
# unless GOTOOLCHAIN is set.
export GOTOOLCHAIN=${GOTOOLCHAIN:-$(sed -n 's/^toolchain[[:space:]]*//p' "$root/go.work")}
go -C "$root/hello" version
# hello as it ships: with the Makefile's SHIP_GOEXPERIMENT.
experiment=$(sed -n 's/^SHIP_GOEXPERIMENT[[:space:]]*:=[[:space:]]*//p' "$root/Makefile")
CGO_ENABLED=0 GOEXPERIMENT=$experiment go -C "$root/hello" build -trimpath -o "$out/hello" .
CGO_ENABLED=0 GOWORK=off go -C "$root/bench" build -trimpath -o "$out/seedserver" ./baseline/seedserver
GOWORK=off go -C "$root/bench" build -o "$out/selfcost" ./cmd/selfcost

pid=
cleanup() { [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# responses URL SECONDS: runs wrk and prints the number of responses read.
responses() {
	timeout $(($2 + 30)) wrk -t1 -c4 -d"$2"s "$1" | awk '/requests in/ {print $1}'
}

declare -A results # server -> per-request counts, one per round
declare -A served  # server -> responses of its last round

measure() { # name port cmd...
	local name=$1 port=$2
	shift 2
	local url=http://127.0.0.1:$port/
	rm -f "$out/$name.out"*
	GOMAXPROCS=1 GODEBUG=cpu.rdtscp=off,cpu.avx512f=off,asyncpreemptoff=1 \
		valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file="$out/$name.out" "$@" \
		>/dev/null 2>"$out/$name.valgrind.log" &
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
	ir=$(awk '/^summary:/ {print $2}' "$out/$name.out.1" 2>/dev/null)
	if [ -z "$ir" ] || [ -z "$n" ] || [ "$n" -eq 0 ]; then
		echo "hello-callgrind.sh: $name: no count (instructions '$ir', responses '$n')" >&2
		exit 1
	fi
	printf 'round %d  %-14s %7d responses %12d instructions %7d per request\n' "$round" "$name" "$n" "$ir" "$((ir / n))"
	results[$name]+="$((ir / n)) "
	served[$name]=$n
}

port=$((20000 + RANDOM % 10000))
for round in $(seq "$rounds"); do
	# The seed's switches are environment variables (bench/baseline/seedserver):
	# set for measure, they reach the server through valgrind.
	for s in "${servers[@]}"; do
		port=$((port + 1))
		case $s in
		seed) SEED_ADDR=127.0.0.1:$port measure seed $port "$out/seedserver" ;;
		seed-timeouts) SEED_ADDR=127.0.0.1:$port SEED_TIMEOUTS=1 measure seed-timeouts $port "$out/seedserver" ;;
		hello-log-on) measure hello-log-on $port "$out/hello" -addr 127.0.0.1:$port ;;
		hello-log-off) measure hello-log-off $port "$out/hello" -addr 127.0.0.1:$port -access-log=false ;;
		esac
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
echo
echo "median of $rounds rounds, instructions per request (ratio to seed-timeouts):"
base=
[ -z "${results[seed-timeouts]:-}" ] || base=$(median <<<"${results[seed-timeouts]}")
for s in "${servers[@]}"; do
	m=$(median <<<"${results[$s]}")
	if [ -n "$base" ]; then
		printf '  %-14s %7d  (%s)\n' "$s" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.3f", a / b}')"
	else
		printf '  %-14s %7d\n' "$s" "$m"
	fi
done
if [ "$top" -gt 0 ]; then
	for s in "${servers[@]}"; do
		bin=$out/hello
		case $s in seed*) bin=$out/seedserver ;; esac
		echo
		echo "$s, last round, by function (instructions per request, share):"
		"$out/selfcost" -requests "${served[$s]}" -top "$top" "$bin" "$out/$s.out.1"
	done
	for s in hello-log-on hello-log-off; do
		if [ -z "${served[$s]:-}" ] || [ -z "${served[seed-timeouts]:-}" ]; then
			continue
		fi
		echo
		echo "$s against seed-timeouts, last round, by function (instructions per request):"
		"$out/selfcost" -requests "${served[$s]}" -base-requests "${served[seed-timeouts]}" -top "$top" \
			"$out/hello" "$out/$s.out.1" "$out/seedserver" "$out/seed-timeouts.out.1"
	done
fi
