#!/bin/bash
# Pids in an associative array, each checked by name.
declare -A pid
for svc in db cache queue; do
    ./check_service.sh "$svc" > "status/$svc" &
    pid[$svc]=$!
done
for svc in db cache queue; do
    if ! wait "${pid[$svc]}"; then
        echo "$svc is down" >&2
        exit 1
    fi
done
