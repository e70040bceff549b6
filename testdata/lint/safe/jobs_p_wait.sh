#!/bin/bash
# Wait for every job listed by jobs -p and count the failures.
for d in a b c; do
    ./sync.sh "$d" > "sync-$d.log" 2>&1 &
done
FAIL=0
for job in $(jobs -p); do
    wait "$job" || let "FAIL+=1"
done
exit "$FAIL"
