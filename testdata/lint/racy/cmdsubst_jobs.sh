#!/bin/bash
# Jobs inside $( ): their outputs mix in the captured text.
# expect: KL006 8
# expect: KL003 8
# expect: KL004 8
summary=$(
    for f in logs/*.log; do
        grep -c ERROR "$f" &
    done
    wait
)
echo "$summary"
