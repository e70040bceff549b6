#!/bin/bash
# One file per job, merged in order after all of them succeeded.
pids=()
for i in {1..10}; do
    generate_report.sh "$i" > "report.$i.tmp" &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || exit 1
done
cat report.{1..10}.tmp > final_report.log
rm -f report.*.tmp
