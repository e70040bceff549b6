#!/bin/bash
# Each job appends many lines, one printf at a time: the jobs' lines
# interleave in the report.
# expect: KL001 10
# expect: KL003 14
# expect: KL004 14
scan() {
    while read -r line; do
        case $line in
        *ERROR*) printf '%s: %s\n' "$1" "$line" >> "$REPORT" ;;
        esac
    done < "$1"
}
for f in /var/log/app/*.log; do scan "$f" & done
wait
