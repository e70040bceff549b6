#!/bin/bash
# The wait -n throttle: at most $max jobs; each status checked by pid
# (bash keeps the status of a job wait -n reaped).
max=4
pids=()
for f in "$@"; do
    if [ "$(jobs -rp | wc -l)" -ge "$max" ]; then
        wait -n
    fi
    ./process.sh "$f" > "out/$(basename "$f").txt" &
    pids+=($!)
done
fail=0
for p in "${pids[@]}"; do
    wait "$p" || fail=1
done
exit "$fail"
