#!/bin/bash
# The pid is kept and waited for, but the status of the wait is dropped.
# expect: KL004 4
./migrate_db.sh &
pid=$!
./warm_cache.sh
wait $pid
echo "ready"
