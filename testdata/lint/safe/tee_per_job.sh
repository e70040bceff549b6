#!/bin/bash
# tee into a log per test suite; nothing reaches the terminal.
pids=()
for t in unit integration e2e; do
    ./run_tests.sh "$t" 2>&1 | tee "logs/$t.log" > /dev/null &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
