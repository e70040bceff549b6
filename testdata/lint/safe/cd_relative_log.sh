#!/bin/bash
# build.log is relative to each job's own directory.
pids=()
for d in */; do
    while [ "$(jobs -rp | wc -l)" -ge 4 ]; do sleep 1; done
    (cd "$d" && make > build.log 2>&1) &
    pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "$fail"
