#!/bin/bash
# shift makes $1 a new file on each iteration.
pids=()
while [ $# -gt 0 ]; do
    while [ "$(jobs -rp | wc -l)" -ge 4 ]; do sleep 0.5; done
    convert "$1" "$1.png" > "$1.log" 2>&1 &
    pids+=($!)
    shift
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
