#!/usr/bin/env bash
# bench.sh: krun side by side with xargs -P and GNU parallel, on the same
# machine in one run. The tools take turns (round-robin) in every
# repetition, so a slow moment of the machine hits all of them; the table
# shows medians, and ratios to the baseline (xargs; flock for krun append)
# taken pair by pair within the same repetition, for the wall time and for
# the CPU time (user + system of everything the command ran, the jobs
# included). Peak RSS comes from /usr/bin/time: the largest process.
#
# Usage: bash scripts/bench.sh            (15 to 30 minutes on 2 cores)
#        REPS=5 W1_JOBS=5000 bash scripts/bench.sh
#
# Installs GNU parallel and GNU time from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${REPS:-3}
W1_JOBS=${W1_JOBS:-5000}
W2_JOBS=${W2_JOBS:-20}
W2_MIB=${W2_MIB:-50}
W3_MIB=${W3_MIB:-2048}
W4_JOBS=${W4_JOBS:-8}
W4_LINES=${W4_LINES:-100000}
W5_ARGS=${W5_ARGS:-200000}
# One job per argument costs a process each: GNU parallel needs 3-10 ms
# per job, so 200,000 of them alone would take 10 to 30 minutes. The
# one-per-argument part of W5 uses W5_ONE_ARGS arguments.
W5_ONE_ARGS=${W5_ONE_ARGS:-5000}
# Start-up: a loop of STARTS calls of one job each; the table shows the
# cost of one call. APPENDS: a loop of calls of krun append.
STARTS=${STARTS:-200}
APPENDS=${APPENDS:-1000}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need parallel || ! [ -x /usr/bin/time ]; then
	sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
	$sudo apt-get update -qq && $sudo apt-get install -y -qq parallel time >/dev/null
fi
# Without cgo: the binary is static, so neither krun nor its guardian
# loads libc at start-up (about 1 ms each; see the README's Install).
CGO_ENABLED=0 go build -o krun .
KRUN=$PWD/krun
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp/spool
mkdir -p "$TMPDIR"
PAR="parallel --will-cite"
# Every tool runs shell commands with the same shell: dash, Debian's sh.
export SHELL=/bin/sh PARALLEL_SHELL=/bin/sh

# run NAME CMD [CALLS]: time one command (a bash string) under GNU time;
# append "name rep wall maxrss_kb user sys calls" to $tmp/results. CALLS
# is how many calls of the tool CMD makes (a loop), for a cost per call.
run() {
	local name=$1 cmd=$2 calls=${3:-1}
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/t" bash -c "$cmd" >/dev/null 2>"$tmp/err" || {
		echo "bench: $name failed:" >&2; tail -5 "$tmp/err" >&2; exit 1; }
	echo "$name $rep $(cat "$tmp/t") $calls" >>"$tmp/results"
}

# W4's job: W4_LINES lines of 200 bytes, each naming its job.
cat >"$tmp/gen4.sh" <<EOS
awk -v j="\$1" 'BEGIN { x = sprintf("%190s", ""); gsub(/ /, "x", x); for (i = 0; i < $W4_LINES; i++) printf "%d %06d %s\\n", j, i % 1000000, x }'
EOS

# workload ID: the commands of each tool for workload ID, in turn.
workload() {
	local id=$1
	case $id in
	W1-j2)
		run "$id krun" "seq $W1_JOBS | $KRUN -j2 true"
		run "$id xargs" "seq $W1_JOBS | xargs -P2 -n1 true"
		run "$id parallel" "seq $W1_JOBS | $PAR -j2 true" ;;
	W1-j8)
		run "$id krun" "seq $W1_JOBS | $KRUN -j8 true"
		run "$id xargs" "seq $W1_JOBS | xargs -P8 -n1 true"
		run "$id parallel" "seq $W1_JOBS | $PAR -j8 true" ;;
	W1-sh)
		# One sh per job for every tool: krun and parallel run a command
		# that needs the shell (the ;), xargs runs sh -c itself.
		run "$id krun" "seq $W1_JOBS | $KRUN -j2 'true {};'"
		run "$id xargs" "seq $W1_JOBS | xargs -P2 -n1 sh -c 'true \"\$1\";' sh"
		run "$id parallel" "seq $W1_JOBS | $PAR -j2 'true {};'" ;;
	W2)
		local gen="yes 123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -n $((W2_MIB * 1048576 / 100))"
		run "$id krun" "seq $W2_JOBS | $KRUN -j2 '$gen # {}' | wc -c"
		run "$id xargs" "seq $W2_JOBS | xargs -P2 -I{} sh -c '$gen # {}' | wc -c"
		run "$id parallel" "seq $W2_JOBS | $PAR -j2 '$gen # {}' | wc -c" ;;
	W4)
		run "$id krun" "seq $W4_JOBS | $KRUN -j $W4_JOBS sh $tmp/gen4.sh | wc -c"
		run "$id xargs" "seq $W4_JOBS | xargs -P $W4_JOBS -n1 sh $tmp/gen4.sh | wc -c"
		run "$id parallel" "seq $W4_JOBS | $PAR -j $W4_JOBS sh $tmp/gen4.sh | wc -c" ;;
	start)
		# One call running one job, STARTS times: the cost of a start.
		run "$id krun" "for i in \$(seq $STARTS); do $KRUN true ::: 1; done" "$STARTS"
		run "$id xargs" "for i in \$(seq $STARTS); do echo 1 | xargs true; done" "$STARTS"
		run "$id parallel" "for i in \$(seq $STARTS); do $PAR true ::: 1; done" "$STARTS" ;;
	append)
		# A script appending a line per call to a shared file, under a lock.
		rm -f "$tmp/app.krun" "$tmp/app.flock"
		run "$id krun" "for i in \$(seq $APPENDS); do echo x | $KRUN append $tmp/app.krun; done" "$APPENDS"
		run "$id flock" "for i in \$(seq $APPENDS); do echo x | flock $tmp/app.flock sh -c 'cat >> $tmp/app.flock'; done" "$APPENDS" ;;
	W5-one)
		run "$id krun" "seq $W5_ONE_ARGS | $KRUN -j2 true"
		run "$id xargs" "seq $W5_ONE_ARGS | xargs -P2 -n1 true"
		run "$id parallel" "seq $W5_ONE_ARGS | $PAR -j2 true" ;;
	W5-n1000)
		run "$id krun" "seq $W5_ARGS | $KRUN -j2 -n 1000 true"
		run "$id xargs" "seq $W5_ARGS | xargs -P2 -n 1000 true"
		run "$id parallel" "seq $W5_ARGS | $PAR -j2 -n 1000 true" ;;
	esac
}

echo "bench: $(nproc) CPUs, $(uname -sr), $(go version | cut -d' ' -f3), $(parallel --version | head -1), xargs $(xargs --version | head -1 | awk '{print $NF}')" >&2
ids="W1-j2 W1-j8 W1-sh W2 W4 W5-one W5-n1000 start append"
for rep in $(seq 1 "$REPS"); do
	for id in $ids; do
		echo "bench: rep $rep $id" >&2
		workload "$id"
	done
done

# The table: medians, and the median of the per-repetition ratios; a loop
# of calls (start, append) is shown per call.
python3 - "$tmp/results" <<'EOF'
import sys, statistics, collections
rows = [l.split() for l in open(sys.argv[1])]
data = collections.defaultdict(dict)  # (workload, tool) -> rep -> (wall, rss, cpu)
for w, tool, rep, wall, rss, user, sys_, calls in rows:
    c = int(calls)
    data[(w, tool)][rep] = (float(wall) / c, int(rss), (float(user) + float(sys_)) / c)
def fmt(s):
    return "%.2f s" % s if s >= 0.1 else "%.1f ms" % (s * 1000)
print("| workload | tool | wall (median) | wall vs base | CPU user+sys | CPU vs base | peak RSS |")
print("|---|---|---|---|---|---|---|")
for w in dict.fromkeys(k[0] for k in data):
    tools = [t for (ww, t) in data if ww == w]
    base = "flock" if "flock" in tools else "xargs"
    x = data[(w, base)]
    for tool in ["krun", base] + [t for t in tools if t not in ("krun", base)]:
        d = data[(w, tool)]
        def ratio(i):
            rs = [d[r][i] / x[r][i] for r in d if r in x and x[r][i] > 0]
            return "%.2fx" % statistics.median(rs) if rs else "-"
        print("| %s | %s | %s | %s | %s | %s | %d MiB |" % (
            w, tool, fmt(statistics.median(v[0] for v in d.values())), ratio(0),
            fmt(statistics.median(v[2] for v in d.values())), ratio(2),
            max(v[1] for v in d.values()) // 1024))
EOF

# W3: one job writing W3_MIB MiB: peak RSS, and the most bytes spooled to
# $TMPDIR at any moment (all three tools unlink their spool files, so the
# space is measured through the descriptors they hold open).
spooled() { # spooled PID...: bytes of the files in $TMPDIR held open, each file once
	local pid fd
	for pid in "$@"; do
		for fd in /proc/"$pid"/fd/*; do
			case $(readlink "$fd" 2>/dev/null) in
			"$TMPDIR"/*) stat -L -c '%i %s' "$fd" 2>/dev/null ;;
			esac
		done
	done | sort -u | awk '{ total += $2 } END { printf "%.0f\n", total }'
}
w3() { # w3 TOOL CMD
	local tool=$1 cmd=$2 max=0 s pids
	/usr/bin/time -f '%e %M' -o "$tmp/t3" bash -c "$cmd" >/dev/null 2>&1 &
	local bg=$!
	while kill -0 $bg 2>/dev/null; do
		pids=$(pgrep -f -- "$3" || true)
		if [ -n "$pids" ]; then
			s=$(spooled $pids); [ "$s" -gt "$max" ] && max=$s
		fi
		sleep 0.2
	done
	wait $bg
	read -r wall rss <"$tmp/t3"
	printf '| W3 | %s | %.2f s | %d MiB | %d MiB |\n' "$tool" "$wall" $((rss / 1024)) $((max / 1048576))
}
echo
echo "| workload | tool | wall | peak RSS | most spooled at once |"
echo "|---|---|---|---|---|"
gen3="head -c $((W3_MIB * 1048576)) /dev/zero"
w3 krun "$KRUN '$gen3 # {}' ::: 1 | wc -c" "$KRUN"
w3 parallel "$PAR '$gen3 # {}' ::: 1 | wc -c" "parallel"
w3 xargs "echo 1 | xargs -I{} sh -c '$gen3 # {}' | wc -c" "xargs"

# W4: 8 jobs x 100,000 lines of 200 bytes at once; torn lines are lines
# that are not exactly one job's line.
echo
echo "| workload | tool | torn lines |"
echo "|---|---|---|"
for tool in krun xargs parallel; do
	case $tool in
	krun) cmd="seq $W4_JOBS | $KRUN -j $W4_JOBS sh $tmp/gen4.sh" ;;
	xargs) cmd="seq $W4_JOBS | xargs -P $W4_JOBS -n1 sh $tmp/gen4.sh" ;;
	parallel) cmd="seq $W4_JOBS | $PAR -j $W4_JOBS sh $tmp/gen4.sh" ;;
	esac
	lines=$(bash -c "$cmd" | tee "$tmp/w4" | wc -l)
	torn=$(grep -cvE '^[0-9]+ [0-9]{6} x{190}$' "$tmp/w4" || true)
	echo "| W4 | $tool | $torn of $lines |"
done
