#!/bin/bash
# Output of each host to its own file, printed in order afterwards.
pids=()
for h in web1 web2 web3 web4; do
    ssh "$h" 'df -h /' > "df.$h" 2>&1 &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || echo "$p failed" >&2; done
cat df.web1 df.web2 df.web3 df.web4
