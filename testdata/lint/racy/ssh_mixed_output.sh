#!/bin/bash
# Disk usage of four hosts, printed at once to the terminal.
# expect: KL006 6
pids=()
for h in web1 web2 web3 web4; do
    ssh "$h" 'df -h /' &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || echo "a host failed" >&2
done
