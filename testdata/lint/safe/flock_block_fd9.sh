#!/bin/bash
# { flock -x 9; ...; } 9>lock around the append, in a throttled loop.
fail=0
for part in parts/*; do
    {
        flock -x 9 || exit 1
        cat "$part" >> merged.txt
    } 9> merged.lock &
    if [ "$(jobs -rp | wc -l)" -ge 8 ]; then
        wait -n || fail=1
    fi
done
while [ "$(jobs -p | wc -l)" -gt 0 ]; do wait -n || fail=1; done
exit "$fail"
