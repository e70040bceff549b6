#!/bin/bash
# krun sem caps the encoders across processes; statuses are checked.
pids=()
for f in *.wav; do
    krun sem --id encode -j 4 -- flac --silent "$f" &
    pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "$fail"
