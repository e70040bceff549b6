#!/bin/bash
# Buffer each report, then append it holding flock on fd 200; at most 4
# jobs at a time (wait -n frees a slot); every status checked by pid.
pids=()
for i in $(seq 1 "$N"); do
    while [ "$(jobs -rp | wc -l)" -ge 4 ]; do
        wait -n
    done
    (
        out=$(generate_report.sh "$i")
        flock 200
        printf '%s\n' "$out" >> final_report.log
    ) 200>final_report.lock &
    pids+=($!)
done
fail=0
for p in "${pids[@]}"; do
    wait "$p" || fail=1
done
exit "$fail"
