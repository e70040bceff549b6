#!/bin/bash
# The wait -n throttle: at most $max jobs, each status checked.
max=4
fail=0
for f in "$@"; do
    if [ "$(jobs -rp | wc -l)" -ge "$max" ]; then
        wait -n || fail=1
    fi
    ./process.sh "$f" > "out/$(basename "$f").txt" &
done
while [ "$(jobs -p | wc -l)" -gt 0 ]; do
    wait -n || fail=1
done
exit "$fail"
