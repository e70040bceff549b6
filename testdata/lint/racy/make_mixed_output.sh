#!/bin/bash
# Three builds at once on one terminal.
# expect: KL006 6
# expect: KL004 6
for d in lib app tests; do
    make -C "$d" &
done
wait
