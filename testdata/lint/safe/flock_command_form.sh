#!/bin/bash
# flock FILE sh -c '...': the read and the write happen under the lock.
pids=()
for i in $(seq 1 8); do
    flock counter.lock sh -c 'n=$(cat counter); echo $((n + 1)) > counter' &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
