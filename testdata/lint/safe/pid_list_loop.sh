#!/bin/sh
# POSIX sh: pids in a string, each waited for and checked.
pids=""
for svc in api web worker; do
    ./deploy.sh "$svc" > "deploy-$svc.log" 2>&1 &
    pids="$pids $!"
done
fail=0
for p in $pids; do
    wait "$p" || fail=1
done
exit $fail
