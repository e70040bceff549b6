#!/bin/bash
# One curl per line of a file of any length, all at once.
# expect: KL003 6
# expect: KL004 6
while read -r url; do
    curl -fsS -o "$(basename "$url")" "$url" &
done < urls.txt
wait
