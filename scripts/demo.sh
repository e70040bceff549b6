#!/bin/sh
# demo.sh: builds krun and shows the bash "&" loop it replaces, side by side.
# Run from the repository root: sh scripts/demo.sh
set -eu
cd "$(dirname "$0")/.."
go build -o krun .
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "--- the bash way: for i in 1..10; do generate_report.sh \$i >> final_report.log & done; wait"
for i in 1 2 3 4 5 6 7 8 9 10; do
	scripts/generate_report.sh "$i" >>"$tmp/bash.log" &
done
wait
head -8 "$tmp/bash.log"
echo "(reports interleaved: first 8 lines shown)"

echo
echo "--- the krun way: ./krun scripts/generate_report.sh ::: 1 2 3 4 5 6 7 8 9 10 > final_report.log"
./krun -j 10 scripts/generate_report.sh ::: 1 2 3 4 5 6 7 8 9 10 >"$tmp/krun.log"
head -8 "$tmp/krun.log"
echo "(each report is one contiguous block)"

echo
echo "--- a failing job is not silently ignored: the exit status counts failures"
status=0
./krun 'test {} -lt 8' ::: 5 9 10 || status=$?
echo "krun exited $status: 2 jobs failed"
