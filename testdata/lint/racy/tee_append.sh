#!/bin/bash
# Compile every file at once, each appending its messages to one log and
# to the terminal.
# expect: KL001 9
# expect: KL006 9
# expect: KL003 9
# expect: KL004 9
for f in src/*.c; do
    gcc -c "$f" 2>&1 | tee -a build.log &
done
wait
