#!/bin/bash
# set -C makes > fail if the file exists: the lock file is created once.
LOCK=/var/lock/sync.lock
sync_one() {
    until ( set -C; echo $BASHPID > "$LOCK" ) 2>/dev/null; do sleep 1; done
    rsync -a "$1" /mirror/ >> /var/log/sync.log 2>&1
    rm -f "$LOCK"
}
pids=()
for d in /srv/a /srv/b /srv/c; do
    sync_one "$d" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
