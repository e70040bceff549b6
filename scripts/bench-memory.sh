#!/bin/sh
# bench-memory.sh: krun's peak memory (RSS) in the two cases that break
# naive runners: one job printing 3 GB, and 100,000 jobs with small
# output. Goal: below 64 MiB in both. Needs /usr/bin/time (Debian: time).
# Usage: sh scripts/bench-memory.sh [JOBS]   (default 100000)
set -eu
cd "$(dirname "$0")/.."
jobs=${1:-100000}
[ -x /usr/bin/time ] || { echo "bench-memory.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
go build -o krun .
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() { # measure NAME CMD...: run CMD under time -v, print peak RSS
	name=$1; shift
	/usr/bin/time -v "$@" 2>"$tmp/time" >/dev/null || { cat "$tmp/time" >&2; exit 1; }
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time")
	printf '| %s | %s MiB | %s |\n' "$name" "$((rss / 1024))" "$wall"
}

echo "| workload | krun peak RSS | wall time |"
echo "|---|---|---|"
measure "1 job printing 3 GB (default group mode)" \
	./krun 'head -c 3000000000 /dev/zero # {}' ::: 1
measure "1 job printing 3 GB, -k behind a slower job" \
	./krun -k -j 2 'if [ {} = 1 ]; then sleep 1; else head -c 3000000000 /dev/zero; fi' ::: 1 2
seq "$jobs" >"$tmp/args"
measure "$jobs jobs with small output" \
	./krun -a "$tmp/args" echo 'line from job'
measure "$jobs jobs with small output, -k" \
	./krun -k -a "$tmp/args" echo 'line from job'
# A -k backlog: 128 jobs of 1 MB (then 8 MB) queue behind a slower first
# job; up to the memory budget (--buffer-size, 8 MiB) is held, the rest
# spills.
measure "-k backlog of 128 MB behind a slow job" \
	./krun -k -j8 'if [ {} = 1 ]; then sleep 2; else head -c 1000000 /dev/zero; fi' ::: $(seq 129)
measure "-k backlog of 1 GB behind a slow job" \
	./krun -k -j8 'if [ {} = 1 ]; then sleep 2; else head -c 8000000 /dev/zero; fi' ::: $(seq 129)
