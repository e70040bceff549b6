#!/bin/bash
# One build log under $TMPDIR for all the builds.
# expect: KL005 8
# expect: KL003 8
out="${TMPDIR:-/tmp}/build.log"
pids=()
for d in */; do
    make -C "$d" > "$out" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || exit 1
done
