#!/bin/bash
# The migration runs beside the cache warm-up; its status is checked.
set -u
./migrate_db.sh &
migrate=$!
./warm_cache.sh
wait "$migrate" || exit 1
echo "ready"
