#!/bin/sh
# generate_report.sh N: a stand-in for a slow report generator. It writes a
# multi-line report for item N, a line at a time, with pauses in between,
# the way real tools trickle output. Run ten of these with "&" into one
# file and the lines of different reports interleave; run them with krun
# and every report stays whole.
n=${1:?usage: generate_report.sh N}
echo "== report $n: begin"
for part in 1 2 3 4 5; do
	echo "report $n: part $part of 5"
	sleep 0.0$(( (n * 7 + part * 3) % 10 ))
done
echo "== report $n: end"
