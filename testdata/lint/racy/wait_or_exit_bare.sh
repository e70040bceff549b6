#!/bin/bash
# "wait || exit 1" looks like a check, but a bare wait always returns 0.
# expect: KL004 5
for svc in api web worker; do
    ./deploy.sh "$svc" &
done
wait || { echo "deploy failed" >&2; exit 1; }
