#!/bin/sh
# xargs -P with one output file per input.
find . -name '*.md' -print0 |
    xargs -0 -P 4 -I{} sh -c 'pandoc "$1" -o "${1%.md}.html"' _ {}
