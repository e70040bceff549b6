#!/bin/bash
# The script cds next to itself and names the log by date once: every
# build appends to that one log at the same time.
# expect: KL001 10
# expect: KL003 10
# expect: KL004 10
cd "$(dirname "$0")" || exit 1
LOG=build-$(date +%F).log
for target in $(make -qp | awk -F: '/^[a-z][a-z0-9_-]*:/ {print $1}'); do
    make "$target" >> "$LOG" 2>&1 &
done
wait
