#!/bin/bash
# { flock -x 9; ...; } 9>lock around the append, in a throttled loop.
pids=()
for part in parts/*; do
    {
        flock -x 9 || exit 1
        cat "$part" >> merged.txt
    } 9> merged.lock &
    pids+=($!)
    if [ "$(jobs -rp | wc -l)" -ge 8 ]; then
        wait -n
    fi
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "$fail"
