#!/bin/bash
# Indexed pids, a wait -n throttle under set -e (a failing wait -n exits),
# and every job checked by index.
set -e
for i in "${!files[@]}"; do
  process "${files[$i]}" > "out.$i" &
  pids[$i]=$!
  (( $(jobs -r | wc -l) >= 4 )) && wait -n
done
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then echo "job $i failed"; exit 1; fi
done
