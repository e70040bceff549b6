#!/bin/bash
# A token bucket on a FIFO caps the jobs at 4; each job returns its token.
mkfifo tokens.fifo
exec 3<>tokens.fifo
rm tokens.fifo
for _ in 1 2 3 4; do echo >&3; done
pids=()
for f in data/*.csv; do
    read -r -u 3
    ( ./import.sh "$f" > "import/$(basename "$f").log" 2>&1; echo >&3 ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
