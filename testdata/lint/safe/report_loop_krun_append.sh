#!/bin/bash
# The one-word fix: each report goes through krun append, which appends it
# whole under a lock; every status is checked.
pids=()
for i in {1..10}; do
    generate_report.sh "$i" | krun append final_report.log &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || exit 1
done
