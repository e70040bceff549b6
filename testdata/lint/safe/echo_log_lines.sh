#!/bin/bash
# Each job logs single lines with echo >>: one O_APPEND write each, which
# never tears; the real output goes to a file per host.
log() { echo "$(date +%T) $*" >> "$LOGFILE"; }
pids=()
for host in web1 web2 db1; do
    (
        log "checking $host"
        ssh "$host" uptime > "uptime.$host" 2>&1
        log "done $host"
    ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
