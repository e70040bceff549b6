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
#        ONLY=W6 bash scripts/bench.sh   (only the remote workload)
#        IDS="W1-sh W4" bash scripts/bench.sh   (some of the paired workloads)
#        W7_MIB=256 bash scripts/bench.sh   (a smaller --pipe input, W7)
#
# Installs GNU parallel and GNU time from Debian's packages when missing,
# and for W6 (jobs over ssh) OpenSSH's server and rsync.
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
# W6: W6_JOBS small jobs over 2 loopback ssh hosts, 2 slots each.
W6_JOBS=${W6_JOBS:-200}
ONLY=${ONLY:-}
# W7: W7_MIB MiB of 55-byte lines cut into blocks of W7_BLOCK, each into
# wc -l, -j2 (--pipe and --pipepart).
W7_MIB=${W7_MIB:-1024}
W7_BLOCK=${W7_BLOCK:-10M}
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
sshd_pids="" # W6's servers, killed at exit whatever happens
trap 'kill $sshd_pids 2>/dev/null; rm -rf "$tmp"' EXIT
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
		# only the shell can run (:, a special built-in with no program of
		# its name), xargs runs sh -c itself. (With 'true {};' krun would
		# exec /usr/bin/true itself, no shell, and coreutils' true given an
		# argument loads the locale: a different job from xargs's.)
		run "$id krun" "seq $W1_JOBS | $KRUN -j2 ': {}'"
		run "$id xargs" "seq $W1_JOBS | xargs -P2 -n1 sh -c ': \"\$1\"' sh"
		run "$id parallel" "seq $W1_JOBS | $PAR -j2 ': {}'" ;;
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

# W6: 200 small jobs over 2 loopback hosts: two sshd on 127.0.0.1, run as
# this user with a temporary host key and authorized_keys, named h1 and h2
# in a temporary ssh configuration. krun keeps one connection per host
# (ControlMaster); GNU parallel -S opens one per job unless given -M
# (--controlmaster), shown too. Each tool runs 2 jobs at once per host.
w6() {
	if ! [ -x /usr/sbin/sshd ] || ! command -v rsync >/dev/null 2>&1; then
		sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
		$sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client rsync >/dev/null
	fi
	[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd # sshd run by root needs it
	local d=$tmp/ssh h port
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$d/id"
	cp "$d/id.pub" "$d/authorized_keys"
	: >"$d/config"
	port=$((20000 + RANDOM % 20000))
	for h in h1 h2; do
		port=$((port + 1))
		printf 'Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile none\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\nMaxSessions 100\nMaxStartups 100\nLogLevel ERROR\n' \
			"$port" "$d/host_key" "$d/authorized_keys" >"$d/sshd_$h"
		/usr/sbin/sshd -f "$d/sshd_$h" -D -e 2>>"$d/sshd.log" &
		sshd_pids="$sshd_pids $!"
		printf 'Host %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n' \
			"$h" "$port" "$(id -un)" "$d/id" >>"$d/config"
	done
	local i=0
	until ssh -F "$d/config" h1 true 2>/dev/null && ssh -F "$d/config" h2 true 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: sshd did not start:" >&2; cat "$d/sshd.log" >&2; exit 1; }
		sleep 0.1
	done
	local ssh="ssh -F $d/config" tool cmd
	echo
	echo "| workload | tool | wall (median of $REPS) | per job |"
	echo "|---|---|---|---|"
	for rep in $(seq 1 "$REPS"); do
		echo "bench: rep $rep W6" >&2
		run "W6 krun" "seq $W6_JOBS | $KRUN --ssh '$ssh' -S 2/h1,2/h2 'echo {}'"
		run "W6 parallel" "seq $W6_JOBS | $PAR --ssh '$ssh' -S 2/h1,2/h2 'echo {}'"
		run "W6 parallel-M" "seq $W6_JOBS | $PAR -M --ssh '$ssh' -S 2/h1,2/h2 'echo {}'"
	done
	for tool in krun parallel parallel-M; do
		grep "^W6 $tool " "$tmp/results" | awk '{print $4}' | sort -n | awk -v t="$tool" -v n="$W6_JOBS" \
			'{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; printf "| W6 %d jobs, 2 hosts | %s | %.2f s | %.1f ms |\n", n, t, m, m * 1000 / n }'
	done
	kill $sshd_pids
	sshd_pids=""
}
if [ "$ONLY" = W6 ]; then
	w6
	exit 0
fi

ids=${IDS:-"W1-j2 W1-j8 W1-sh W2 W4 W5-one W5-n1000 start append"}
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

w6

# W7: --pipe and --pipepart: W7_MIB MiB of 55-byte lines cut into blocks
# of W7_BLOCK, each counted by wc -l, -j2: krun's input from a pipe (the
# splice path), from a regular file (cut by seeking), through memory (the
# copy path, which --retries needs) and --pipepart; GNU parallel's --pipe
# and --pipepart; cat | wc -l as the yardstick. The tools take turns in
# each repetition; medians, and ratios to GNU parallel's --pipe taken
# within a repetition. Every run's line count is checked.
awk -v n=$((W7_MIB * 1048576 / 55)) 'BEGIN { x = sprintf("%45s", ""); gsub(/ /, "x", x); for (i = 0; i < n; i++) printf "%08d %s\n", i % 100000000, x }' >"$tmp/lines"
w7lines=$(wc -l <"$tmp/lines")
w7() { # w7 NAME CMD: time CMD, check that its counts add up to the lines
	local name=$1 cmd=$2 total
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/t7" bash -c "$cmd" >"$tmp/out7" 2>"$tmp/err" || {
		echo "bench: $name failed:" >&2; tail -5 "$tmp/err" >&2; exit 1; }
	total=$(awk '{ s += $1 } END { print s }' "$tmp/out7")
	[ "$total" = "$w7lines" ] || { echo "bench: $name counted $total lines, not $w7lines" >&2; exit 1; }
	echo "$name $rep $(cat "$tmp/t7")" >>"$tmp/results7"
}
for rep in $(seq 1 "$REPS"); do
	echo "bench: rep $rep W7" >&2
	w7 "cat+wc-l" "cat $tmp/lines | wc -l"
	w7 "krun--pipe(pipe)" "cat $tmp/lines | $KRUN --pipe --block $W7_BLOCK -j2 wc -l"
	w7 "krun--pipe(file)" "$KRUN --pipe --block $W7_BLOCK -j2 wc -l <$tmp/lines"
	w7 "krun--pipe(copy)" "cat $tmp/lines | $KRUN --pipe --retries 2 --block $W7_BLOCK -j2 wc -l"
	w7 "krun--pipepart" "$KRUN --pipepart -a $tmp/lines --block $W7_BLOCK -j2 wc -l"
	w7 "parallel--pipe" "cat $tmp/lines | $PAR --pipe --block $W7_BLOCK -j2 wc -l"
	w7 "parallel--pipepart" "$PAR --pipepart -a $tmp/lines --block $W7_BLOCK -j2 wc -l"
done
echo
python3 - "$tmp/results7" <<'EOF'
import sys, statistics, collections
rows = [l.split() for l in open(sys.argv[1])]
data = collections.defaultdict(dict)  # tool -> rep -> (wall, rss, cpu)
for tool, rep, wall, rss, user, sys_ in rows:
    data[tool][rep] = (float(wall), int(rss), float(user) + float(sys_))
print("| W7 | wall (median) | vs GNU --pipe | CPU user+sys | peak RSS |")
print("|---|---|---|---|---|")
g = data["parallel--pipe"]
for tool, d in data.items():
    ratios = [d[r][0] / g[r][0] for r in d if r in g and g[r][0] > 0]
    print("| %s | %.2f s | %.2fx | %.2f s | %d MiB |" % (
        tool, statistics.median(v[0] for v in d.values()), statistics.median(ratios),
        statistics.median(v[2] for v in d.values()), max(v[1] for v in d.values()) // 1024))
EOF
