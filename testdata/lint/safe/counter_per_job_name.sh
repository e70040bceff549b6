#!/bin/bash
# A counter names each job's file: page.0.html, page.1.html...
i=0
pids=()
while read -r url; do
    while [ "$(jobs -rp | wc -l)" -ge 8 ]; do sleep 0.5; done
    curl -fsS -o "page.$i.html" "$url" &
    pids+=($!)
    i=$((i + 1))
done < urls.txt
for p in "${pids[@]}"; do wait "$p" || exit 1; done
