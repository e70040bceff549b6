#!/bin/sh
# xargs -P runs 8 shells at once, all appending to one file.
# expect: KL001 5
find . -name '*.log' -print0 |
    xargs -0 -P 8 -I{} sh -c 'grep -c ERROR "{}" >> error_counts.txt'
