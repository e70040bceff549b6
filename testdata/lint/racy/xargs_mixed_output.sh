#!/bin/sh
# Ten curls at once write to xargs's one standard output: pages mix.
# expect: KL006 4
xargs -P 10 -n 1 curl -fsS < urls.txt > pages.html
