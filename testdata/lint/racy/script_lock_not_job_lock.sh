#!/bin/bash
# The script takes a lock so that only one copy of it runs; its jobs share
# that lock's descriptor, so it does not keep them apart.
# expect: KL001 10
# expect: KL003 10
exec 9> /var/lock/nightly.lock
flock -n 9 || { echo "already running" >&2; exit 1; }
pids=()
for db in $(psql -Atc 'select datname from pg_database'); do
    pg_dump "$db" >> /backup/nightly.sql &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
