#!/bin/bash
# One background job, its status checked with if.
./long_task.sh > task.log 2>&1 &
pid=$!
./other_task.sh
if ! wait "$pid"; then
    echo "long task failed" >&2
    exit 1
fi
