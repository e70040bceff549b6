#!/bin/bash
# Batches of 10 ssh jobs, each batch waited for and checked.
fail=0
n=0
pids=()
for host in $(cat hosts.txt); do
    ssh "$host" uptime > "uptime/$host" 2>&1 &
    pids+=($!)
    n=$((n + 1))
    if [ $((n % 10)) -eq 0 ]; then
        for p in "${pids[@]}"; do wait "$p" || fail=1; done
        pids=()
    fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "$fail"
