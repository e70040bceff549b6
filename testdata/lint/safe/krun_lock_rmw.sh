#!/bin/bash
# The krun rewrite of a read-modify-write: krun lock around all of it.
pids=()
for i in 1 2 3 4 5 6; do
    krun lock counter.lock -- sh -c 'n=$(cat counter); echo $((n + 1)) > counter' &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
