#!/bin/bash
# A block per database, all appending to one gzip stream file.
# expect: KL003 7
# expect: KL001 10
pids=()
for db in $(psql -Atc 'select datname from pg_database'); do
    {
        echo "-- $db"
        pg_dump "$db"
    } | gzip >> /backup/all.sql.gz &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "${fail:-0}"
