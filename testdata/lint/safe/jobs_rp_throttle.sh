#!/bin/bash
# The jobs -rp throttle: wait -n frees a slot; the statuses are checked
# afterwards, pid by pid.
pids=""
for f in uploads/*; do
    while [ $(jobs -rp | wc -l) -ge 4 ]; do wait -n; done
    ./scan.sh "$f" > "reports/$(basename "$f").txt" &
    pids="$pids $!"
done
for p in $pids; do
    wait $p || fail=1
done
exit ${fail:-0}
