#!/usr/bin/env bash
# Runs every leakfunnel benchmark against goleak and gleak, summarizes the
# results with benchstat and writes the ratio tables (leakfunnel/peer).
#
#   bench/run.sh                 # the full run, about 10 minutes on 2 cores
#   COUNT=6 bench/run.sh         # more samples (benchstat's CI needs 6)
#   PEERS_100K=0 bench/run.sh    # skip the peers' single run at 100,000
#                                # goroutines (about a minute of it)
#   OUT=/tmp/r bench/run.sh      # write results elsewhere (default bench/results)
#
# Output in $OUT: raw.txt (go test output), benchstat.txt, benchstat.csv,
# ratios.md (the tables of docs/benchmarks.md) and machine.txt.
#
# Each stage is its own go test process, so that leaked fixtures of one stage
# (the never-releasable permanent and proven leaks) cannot change the
# background of another, and so that benchtime fits each size: a check at
# 100,000 goroutines takes 100 ms for leakfunnel and a minute for gleak.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-5}
PEERS_100K=${PEERS_100K:-1}
OUT=${OUT:-results}
mkdir -p "$OUT"
raw=$OUT/raw.txt
: >"$raw"
export GOMAXPROCS=${GOMAXPROCS:-2}
start=$SECONDS

{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "nproc: $(nproc)"
	echo "GOMAXPROCS: $GOMAXPROCS"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
	echo "go: $(go version)"
	echo "kernel: $(uname -sr)"
	echo "library commit: ${LIBRARY_REV:-$(git -C .. rev-parse --short HEAD 2>/dev/null || echo unknown)}"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

# stage NAME BENCH-REGEX BENCHTIME COUNT [ENV=VALUE...]
stage() {
	local name=$1 re=$2 bt=$3 n=$4
	shift 4
	echo "== $name: -bench '$re' -benchtime $bt -count $n $* ($((SECONDS - start))s)"
	env "$@" go test -run '^$' -bench "$re" -benchtime "$bt" -count "$n" -timeout 60m . 2>&1 |
		tee -a "$raw" | grep -E '^(Benchmark|--- (FAIL|SKIP)|FAIL|panic)' | grep -v -- '--- SKIP' || true
}

# 1. Clean spec, and memory (B/op, allocs/op, peak-MiB).
stage clean-10 'BenchmarkClean/^size=10$/' 200x "$COUNT"
stage clean-1k 'BenchmarkClean/^size=1000$/' 20x "$COUNT"
stage clean-10k 'BenchmarkClean/^size=10000$/' 3x "$COUNT"
stage clean-100k 'BenchmarkClean/^size=100000$/^checker=(floor|leakfunnel|leakfunnel-reuse|leakfunnel-since)$' 1x "$COUNT"
if [ "$PEERS_100K" = 1 ]; then
	stage clean-100k-peers 'BenchmarkClean/^size=100000$/^checker=(goleak|gleak)$' 1x 1
fi

# 2. Settling: a goroutine that exits 5ms or 50ms after the spec ends.
stage settle-small 'BenchmarkSettle/^size=(10|1000)$/' 10x "$COUNT"
stage settle-10k 'BenchmarkSettle/^size=10000$/' 1x "$COUNT"
stage settle-100k 'BenchmarkSettle/^size=100000$/.*/^checker=leakfunnel$' 1x "$COUNT"

# 3. Verdict on a real leak. The peers wait out their retry budgets (0.45s,
# 1s); at 10,000 goroutines and more that becomes 20 dumps of seconds each
# for goleak, so they run at the two small sizes only.
stage verdict-small 'BenchmarkLeakVerdict/^size=(10|1000)$/' 1x "$COUNT"
stage verdict-large 'BenchmarkLeakVerdict/^size=(10000|100000)$/.*/^checker=leakfunnel$' 1x "$COUNT"
stage verdict-proven-small 'BenchmarkLeakVerdict/^size=(10|1000)$/^kind=proven$/' 1x "$COUNT" GOEXPERIMENT=goroutineleakprofile
stage verdict-proven-large 'BenchmarkLeakVerdict/^size=(10000|100000)$/^kind=proven$/^checker=leakfunnel$' 1x "$COUNT" GOEXPERIMENT=goroutineleakprofile

# 5. Report size for 1,000 identical leaked goroutines.
stage report 'BenchmarkReportSize' 1x "$COUNT"

# 6. A real Ginkgo suite of 50 clean specs: no check, the reporter, and the
# peers' per-spec checks.
echo "== ginkgo suite ($((SECONDS - start))s)"
suite=$(mktemp -d)/ginkgosuite.test
go test -c -o "$suite" ./ginkgosuite
for bg in 10 1000; do
	for checker in plain reporter leakfunnel goleak gleak; do
		for _ in $(seq "$COUNT"); do
			LEAKFUNNEL_BENCH_CHECKER=$checker LEAKFUNNEL_BENCH_BACKGROUND=$bg LEAKFUNNEL_BENCH_SPECS=50 \
				"$suite" -ginkgo.no-color -ginkgo.succinct 2>&1 | grep -E '^BenchmarkGinkgoSuite' | tee -a "$raw"
		done
	done
done
rm -rf "$(dirname "$suite")"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
echo "elapsed: $((SECONDS - start))s" >>"$OUT/machine.txt"
go tool benchstat "$raw" >"$OUT/benchstat.txt" 2>/dev/null
go tool benchstat -format csv "$raw" 2>/dev/null >"$OUT/benchstat.csv"
go run ./cmd/ratios <"$OUT/benchstat.csv" >"$OUT/ratios.md"
echo "done in $((SECONDS - start))s: $OUT/ratios.md"
