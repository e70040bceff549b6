#!/bin/sh
# Without -P, xargs runs one command at a time: no mixing.
xargs -n 1 curl -fsS < urls.txt >> all.html
