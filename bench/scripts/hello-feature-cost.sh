#!/usr/bin/env bash
# hello-feature-cost.sh: what each per-request feature of hello costs in
# throughput, measured against the seed's plain net/http server the way
# `make bench` measures (item 2), with variants of hello that leave one
# feature out.
#
#   bench/scripts/hello-feature-cost.sh [SECONDS]
#
# SECONDS (default 2) is how long wrk loads each server per round; ROUNDS
# (default 11) rounds run interleaved. Short rounds and many of them: this
# machine's speed can change from one minute to the next. The servers:
#
#   seed                 bench/baseline/seedserver, as in the seed document
#   seed-timeouts        the same with hello's default timeouts (SEED_TIMEOUTS=1)
#   hello                hello as shipped: access log on, X-Request-Id and
#                        Content-Type set on every response
#   hello-no-log         -access-log=false
#   hello-no-id-header   no X-Request-Id response header
#   hello-no-headers     neither response header (net/http sniffs Content-Type)
#   hello-bare           no access log and neither header
#   hello-slog           the access log written by slog.JSONHandler (through
#                        internal/logsink as shipped) instead of internal/jsonlog
#
# The variants without headers are not hello: they are built from a copy
# of this tree (git archive HEAD) with bench/scripts/hello-feature-cost.patch
# applied, which adds two environment switches to it; hello itself has
# no such switch. The patch must apply to HEAD (the bench module's
# TestFeatureCostPatchApplies checks it).
#
# Each server runs with GOMAXPROCS=1 pinned to CPU 0, wrk (one thread, 64
# connections) to CPU 1, as `make bench` does on two or more CPUs; each is
# warmed up for 1 s before its measured run. For every round the script
# prints requests per second; at the end the median per server and the
# median of the per-round ratios to the seed. Servers write their output
# to a file in bench/out/feature-cost (the access log, for hello), not to
# /dev/null. Every step is time-limited and servers are killed on exit.
# Needs git, wrk and taskset. Throughput on a shared machine swings with
# its load: compare servers of the same run, and read the load average
# printed at the start and end.
set -euo pipefail
secs=${1:-2}
rounds=${ROUNDS:-11}
for v in "SECONDS=$secs" "ROUNDS=$rounds"; do
	case ${v#*=} in '' | 0 | *[!0-9]*)
		echo "hello-feature-cost.sh: ${v%%=*} must be a whole number above 0, not '${v#*=}'" >&2
		exit 2
		;;
	esac
done
for tool in git wrk taskset; do
	command -v "$tool" >/dev/null || {
		echo "hello-feature-cost.sh: $tool is not installed" >&2
		exit 1
	}
done

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/bench/out/feature-cost
rm -rf "$out"
mkdir -p "$out/tree"
export GOTOOLCHAIN=${GOTOOLCHAIN:-$(sed -n 's/^toolchain[[:space:]]*//p' "$root/go.work")}
# The shipped binaries' GOEXPERIMENT, as the Makefile sets it.
experiment=$(sed -n 's/^SHIP_GOEXPERIMENT[[:space:]]*:=[[:space:]]*//p' "$root/Makefile")

pid=
cleanup() {
	[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
	rm -rf "$out/tree"
}
trap cleanup EXIT

git -C "$root" archive HEAD | tar -x -C "$out/tree"
build() { # output dir
	CGO_ENABLED=0 GOEXPERIMENT=$experiment go -C "$2/hello" build -trimpath -o "$1" .
}
build "$out/hello" "$out/tree"
git -C "$out/tree" apply "$root/bench/scripts/hello-feature-cost.patch" || {
	echo "hello-feature-cost.sh: bench/scripts/hello-feature-cost.patch does not apply to HEAD" >&2
	exit 1
}
build "$out/hello-variant" "$out/tree"
CGO_ENABLED=0 GOWORK=off go -C "$root/bench" build -trimpath -o "$out/seedserver" ./baseline/seedserver
"$out/hello" -version


servers=(seed seed-timeouts hello hello-no-log hello-no-id-header hello-no-headers hello-bare hello-slog)
declare -A rps # server -> requests per second, one per round

# start NAME PORT: starts server NAME on PORT, pinned, and waits until it answers.
start() {
	local name=$1 port=$2 addr=127.0.0.1:$2
	local env=(GOMAXPROCS=1 SEED_ADDR="$addr" HELLO_ADDR="$addr")
	local cmd=("$out/hello-variant")
	case $name in
	seed) cmd=("$out/seedserver") ;;
	seed-timeouts) cmd=("$out/seedserver") env+=(SEED_TIMEOUTS=1) ;;
	hello) cmd=("$out/hello") ;;
	hello-no-log) cmd=("$out/hello" -access-log=false) ;;
	hello-no-id-header) env+=(FEATURECOST_NO_REQUEST_ID_HEADER=1) ;;
	hello-no-headers) env+=(FEATURECOST_NO_REQUEST_ID_HEADER=1 FEATURECOST_NO_CONTENT_TYPE=1) ;;
	hello-bare) cmd+=(-access-log=false) env+=(FEATURECOST_NO_REQUEST_ID_HEADER=1 FEATURECOST_NO_CONTENT_TYPE=1) ;;
	hello-slog) env+=(FEATURECOST_SLOG=1) ;;
	esac
	env "${env[@]}" taskset -c 0 "${cmd[@]}" >"$out/$name.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
			return
		fi
		sleep 0.1
	done
	echo "hello-feature-cost.sh: $name did not listen on $addr within 10 s; see $out/$name.log" >&2
	exit 1
}

# load URL SECONDS: runs wrk and prints the requests per second.
load() {
	timeout $(($2 + 30)) taskset -c 1 wrk -t1 -c64 -d"$2"s "$1" | awk '/^Requests\/sec/ {printf "%d", $2}'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
port=$((20000 + RANDOM % 10000))
for round in $(seq "$rounds"); do
	for s in "${servers[@]}"; do
		port=$((port + 1))
		start "$s" "$port"
		load "http://127.0.0.1:$port/" 1 >/dev/null
		r=$(load "http://127.0.0.1:$port/" "$secs")
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
		[ -n "$r" ] || {
			echo "hello-feature-cost.sh: no result from wrk for $s" >&2
			exit 1
		}
		printf 'round %d  %-19s %7d req/s\n' "$round" "$s" "$r"
		rps[$s]+="$r "
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo
echo "median of $rounds rounds: requests per second, and the median of the per-round ratios to seed"
read -ra seed <<<"${rps[seed]}"
for s in "${servers[@]}"; do
	read -ra mine <<<"${rps[$s]}"
	ratios=
	for i in "${!mine[@]}"; do
		ratios+="$(awk -v a="${mine[$i]}" -v b="${seed[$i]}" 'BEGIN {printf "%.4f", a / b}') "
	done
	printf '  %-19s %7.0f  %.2f\n' "$s" "$(median <<<"${rps[$s]}")" "$(median <<<"$ratios")"
done
