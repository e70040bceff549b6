#!/bin/bash
# A temporary file per job from mktemp; a slot check before each start.
pids=()
for url in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge 8 ]; do sleep 0.2; done
    (
        tmp=$(mktemp)
        trap 'rm -f "$tmp"' EXIT
        curl -fsS "$url" > "$tmp"
        grep -o '<title>.*</title>' "$tmp" > "titles/$(basename "$url").txt"
    ) &
    pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "$fail"
