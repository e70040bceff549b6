#!/bin/bash
# Jobs inside $( ): started without a cap, and the bare wait in the
# substitution loses their statuses.
# expect: KL003 8
# expect: KL004 8
summary=$(
    for f in logs/*.log; do
        grep -c ERROR "$f" &
    done
    wait
)
echo "$summary"
