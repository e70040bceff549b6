#!/bin/bash
# Buffer each report, then append it holding flock on fd 200; at most 4
# jobs at a time; every status checked.
fail=0
for i in $(seq 1 "$N"); do
    while [ "$(jobs -rp | wc -l)" -ge 4 ]; do
        wait -n || fail=1
    done
    (
        out=$(generate_report.sh "$i")
        flock 200
        printf '%s\n' "$out" >> final_report.log
    ) 200>final_report.lock &
done
while [ "$(jobs -p | wc -l)" -gt 0 ]; do
    wait -n || fail=1
done
exit "$fail"
